"""A rate limit kept in the database, so it holds across processes and restarts."""

from __future__ import annotations

import datetime as dt

import peewee as pw

from node.db import BaseModel
from node.local.models import utcnow


class Attempt(BaseModel):
    """One failed attempt under a key (e.g. "ip:1.2.3.4" or "login:alice")."""

    key = pw.CharField(max_length=300, index=True)
    at = pw.DateTimeField(default=utcnow, index=True)


def is_limited(keys: list[str], limit: int, window_seconds: int) -> bool:
    since = utcnow() - dt.timedelta(seconds=window_seconds)
    for key in keys:
        if Attempt.select().where((Attempt.key == key) & (Attempt.at >= since)).count() >= limit:
            return True
    return False


def hit(keys: list[str]) -> None:
    now = utcnow()
    Attempt.insert_many([{"key": k, "at": now} for k in keys]).execute()
    # keep the table small: attempts older than a day never matter
    Attempt.delete().where(Attempt.at < now - dt.timedelta(days=1)).execute()


def clear(keys: list[str]) -> None:
    Attempt.delete().where(Attempt.key.in_(keys)).execute()
