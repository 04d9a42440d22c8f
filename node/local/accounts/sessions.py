"""Server-side log-in sessions: started at log-in, ended at log-out, password change, reset,
"log out everywhere", suspension and account deletion; they expire on their own.

The browser holds only a random key; the database keeps its SHA-256, so a stolen database
does not hold usable cookies, and ending a session is one UPDATE that every process sees."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import peewee as pw

from node.db import BaseModel
from node.local.models import Resident, utcnow

# An address where the owner logged in within this time counts as "known" for the lockout rules.
KNOWN_ADDRESS_DAYS = 90


class LoginSession(BaseModel):
    """One logged-in browser; only the SHA-256 of its cookie key is stored."""

    resident = pw.ForeignKeyField(
        Resident, backref="login_sessions", lazy_load=False, on_delete="CASCADE"
    )
    key_hash = pw.CharField(max_length=64, unique=True)
    address = pw.CharField(max_length=64, default="", index=True)
    created_at = pw.DateTimeField(default=utcnow)
    last_seen_at = pw.DateTimeField(default=utcnow)
    expires_at = pw.DateTimeField(index=True)
    ended_at = pw.DateTimeField(null=True)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def start(resident_id: int, address: str, days: int, now: dt.datetime | None = None) -> str:
    """Open a session; return the key for the cookie (shown once, stored hashed)."""
    now = now or utcnow()
    key = secrets.token_urlsafe(32)
    LoginSession.create(
        resident=resident_id,
        key_hash=key_hash(key),
        address=(address or "")[:64],
        created_at=now,
        last_seen_at=now,
        expires_at=now + dt.timedelta(days=max(1, days)),
    )
    return key


def resident_for(key: str | None, now: dt.datetime | None = None) -> tuple[Resident, int] | None:
    """(resident, session id) for a live session key, else None."""
    if not key or len(key) > 200:
        return None
    now = now or utcnow()
    row = (
        LoginSession.select(LoginSession, Resident)
        .join(Resident)
        .where(
            (LoginSession.key_hash == key_hash(key))
            & LoginSession.ended_at.is_null()
            & (LoginSession.expires_at > now)
            & Resident.deleted_at.is_null()
        )
        .first()
    )
    if row is None:
        return None
    if now - row.last_seen_at > dt.timedelta(minutes=5):  # a cheap "last seen", not every hit
        LoginSession.update(last_seen_at=now).where(LoginSession.id == row.id).execute()
    return row.resident, row.id


def end(key: str | None, now: dt.datetime | None = None) -> int:
    """End the session of this key (log-out); returns how many were ended (0 or 1)."""
    if not key:
        return 0
    return (
        LoginSession.update(ended_at=now or utcnow())
        .where((LoginSession.key_hash == key_hash(key)) & LoginSession.ended_at.is_null())
        .execute()
    )


def end_all(resident_id: int, now: dt.datetime | None = None) -> int:
    """End every session of a resident (log out everywhere, password change, suspension)."""
    return (
        LoginSession.update(ended_at=now or utcnow())
        .where((LoginSession.resident == resident_id) & LoginSession.ended_at.is_null())
        .execute()
    )


def active_count(resident_id: int, now: dt.datetime | None = None) -> int:
    return (
        LoginSession.select()
        .where(
            (LoginSession.resident == resident_id)
            & LoginSession.ended_at.is_null()
            & (LoginSession.expires_at > (now or utcnow()))
        )
        .count()
    )


def is_known_address(resident_id: int, address: str, now: dt.datetime | None = None) -> bool:
    """Whether the resident logged in successfully from this address lately."""
    since = (now or utcnow()) - dt.timedelta(days=KNOWN_ADDRESS_DAYS)
    return (
        LoginSession.select()
        .where(
            (LoginSession.resident == resident_id)
            & (LoginSession.address == (address or "")[:64])
            & (LoginSession.created_at >= since)
        )
        .exists()
    )


def purge(now: dt.datetime | None = None) -> int:
    """Forget sessions ended or expired long ago (kept a while as the owner's known addresses)."""
    cutoff = (now or utcnow()) - dt.timedelta(days=KNOWN_ADDRESS_DAYS)
    return LoginSession.delete().where(LoginSession.expires_at < cutoff).execute()
