"""Metric samples for the admin charts: a background job writes the main figures every few minutes.

The job is claimed through node/periodic.py, in the same transaction as the rows it writes, so with
several processes each interval is sampled once (a process that dies mid-way commits neither the
claim nor the rows, and the next process samples). Samples older than KEEP are pruned by the job.
Only figures read from the database are sampled, so they are right whichever process samples.
"""

from __future__ import annotations

import datetime as dt

import peewee as pw

from node import figures, periodic
from node.activitypub.models import InboxItem
from node.db import BaseModel
from node.queue import utcnow

EVERY = dt.timedelta(minutes=5)
KEEP = dt.timedelta(days=8)
JOB = "metric_samples"

# name → how one sample is read from the figures (and the interval's received activities)
NAMES = (
    "inbox_received",
    "inbox_waiting",
    "delivery_waiting",
    "delivery_retrying",
    "mail_waiting",
    "hosts_unavailable",
    "active_residents",
)


class MetricSample(BaseModel):
    taken_at = pw.DateTimeField(default=utcnow, index=True)
    name = pw.CharField(max_length=40)
    value = pw.FloatField()


def values(found: figures.Figures, received: int) -> dict[str, float]:
    return {
        "inbox_received": received,
        "inbox_waiting": found.waiting("inbox"),
        "delivery_waiting": found.waiting("delivery"),
        "delivery_retrying": found.deliveries_retrying,
        "mail_waiting": found.waiting("mail"),
        "hosts_unavailable": found.hosts_unavailable,
        "active_residents": found.active_residents.get("1d", 0),
    }


def take(now: dt.datetime, holder: str) -> int:
    """Sample if this interval is still due (in the caller's transaction); rows written."""
    if not periodic.claim(JOB, EVERY, now, holder):
        return 0
    found = figures.read(now)
    received = InboxItem.select().where(InboxItem.received_at > now - EVERY).count()
    rows = [{"taken_at": now, "name": k, "value": v} for k, v in values(found, received).items()]
    MetricSample.insert_many(rows).execute()
    MetricSample.delete().where(MetricSample.taken_at < now - KEEP).execute()
    return len(rows)


def series(since: dt.datetime) -> dict[str, list[tuple[dt.datetime, float]]]:
    """Every sample since `since`, by name, oldest first."""
    found: dict[str, list[tuple[dt.datetime, float]]] = {name: [] for name in NAMES}
    query = (
        MetricSample.select()
        .where(MetricSample.taken_at >= since)
        .order_by(MetricSample.taken_at, MetricSample.id)
    )
    for row in query:
        found.setdefault(row.name, []).append((row.taken_at, row.value))
    return found


TRY_EVERY = dt.timedelta(seconds=30)  # how often a process asks whether the interval is due


async def sample_step(node) -> int:
    """Background step (node/background.py); the clock is node.clock when a test sets one."""
    now = (node.clock or utcnow)()
    if now < getattr(node, "samples_next_try", dt.datetime.min):
        return 0  # asked recently: no write transaction on every round of the worker loop
    node.samples_next_try = now + TRY_EVERY
    await node.db.atomic(take, now, node.claims.name)
    return 0  # never "work done": sampling must not keep the worker loop spinning
