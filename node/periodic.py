"""Periodic jobs shared by every process of a node: each run is claimed in the database.

A job (sampling the metrics, pruning old rows…) runs once per interval across all the `serve` and
`worker` processes on one database: `claim` moves the job's `next_run_at` forward with a
conditional UPDATE, and only the process whose UPDATE changed the row runs it. The UPDATE is
atomic on both databases (a row lock on PostgreSQL, the IMMEDIATE write lock on SQLite), so two
processes never both win the same interval. A process killed during a run leaves the job for the
next interval; the jobs here are idempotent, so at worst one interval is skipped, never doubled.
"""

from __future__ import annotations

import datetime as dt

import peewee as pw

from node.db import BaseModel
from node.queue import utcnow


class PeriodicJob(BaseModel):
    name = pw.CharField(max_length=40, primary_key=True)
    next_run_at = pw.DateTimeField(default=utcnow)
    ran_at = pw.DateTimeField(null=True)
    ran_by = pw.CharField(max_length=100, default="")


def claim(name: str, every: dt.timedelta, now: dt.datetime, holder: str) -> bool:
    """Whether this process runs job `name` now (in the caller's transaction)."""
    PeriodicJob.insert(name=name, next_run_at=now).on_conflict_ignore().execute()
    won = (
        PeriodicJob.update(next_run_at=now + every, ran_at=now, ran_by=holder[:100])
        .where((PeriodicJob.name == name) & (PeriodicJob.next_run_at <= now))
        .execute()
    )
    return won == 1
