"""Durable queues on rows: claim with a lease, heartbeat, retry with backoff, dead state.

One abstraction under deliveries, mail and inbox items, so any number of worker processes on one
database is safe. A claim writes `claimed_until` (the lease) and `claimed_by` (the worker) in a short
transaction of its own: `FOR UPDATE SKIP LOCKED` on PostgreSQL, so workers take different rows
without waiting; on SQLite the node's transactions are `BEGIN IMMEDIATE`, so claims of several
processes are serialised and the UPDATE is conditional as well. A worker renews the leases of the
rows it still holds every few seconds (`heartbeat`); a worker killed with -9 stops renewing and its
rows are taken over once the lease (about 30 s) is over. Releasing a row is fenced on `claimed_by`:
a worker whose lease was taken over cannot mark the row done (`LostClaim` rolls its work back).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import secrets
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import peewee as pw

log = logging.getLogger("quartier.queue")

LEASE_SECONDS = 30  # default of settings.queue_lease_seconds
BEATS_PER_LEASE = 6  # the heartbeat renews every lease/6 (5 s for 30 s): five beats may fail


class LostClaim(Exception):
    """The row is no longer held by this worker (its lease expired and another worker took it)."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Queue:
    """One table used as a durable queue; its rows carry state, attempts and the claim columns."""

    model: type[pw.Model]
    waiting: str = "pending"  # state of a row waiting for a worker
    working: str | None = None  # state while claimed ("sending"); None keeps `waiting`
    dead: str = "failed"  # state of a row given up
    scheduled: bool = True  # has next_attempt_at (a retry waits for it)
    backoff: Callable[[int], dt.timedelta] | None = None  # wait after the n-th failed attempt

    def claimable(self, now: dt.datetime) -> pw.Expression:
        m = self.model
        free = m.claimed_until.is_null() | (m.claimed_until < now)
        ready = m.state == self.waiting
        if self.scheduled:
            ready &= m.next_attempt_at <= now
        if self.working is not None:
            # a row left "working" by a worker that died is free again once its lease is over
            ready |= m.state == self.working
        return ready & free

    def retried(
        self, attempts: int, now: dt.datetime, dead: bool, wait: dt.timedelta | None = None
    ) -> dict[str, Any]:
        """Column values after a failed attempt: waiting again after the backoff, or dead."""
        if dead:
            return {"state": self.dead, "attempts": attempts}
        values: dict[str, Any] = {"state": self.waiting, "attempts": attempts}
        if self.scheduled:
            if wait is None:
                wait = self.backoff(attempts) if self.backoff else dt.timedelta(0)
            values["next_attempt_at"] = now + wait
        return values


class Holder:
    """What one worker process holds: its name (claimed_by) and the ids of its claimed rows."""

    def __init__(self, lease_seconds: int = LEASE_SECONDS) -> None:
        host = socket.gethostname()[:60]
        self.name = f"{host}:{os.getpid()}:{secrets.token_hex(4)}"
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.held: dict[Queue, set[int]] = {}

    def hold(self, queue: Queue, ids: Iterable[int]) -> None:
        self.held.setdefault(queue, set()).update(ids)

    def forget(self, queue: Queue, ids: Iterable[int]) -> None:
        self.held.get(queue, set()).difference_update(ids)

    def holding(self) -> dict[Queue, list[int]]:
        return {q: sorted(ids) for q, ids in self.held.items() if ids}


def _ids_in(m: type[pw.Model], ids: Iterable[int]) -> pw.SQL:
    """`id IN (1, 2, …)` with the ids written as integer literals: peewee turns each value of an
    IN list into a parameter through a dozen calls, most of the CPU of claiming 200 rows."""
    listed = ", ".join(str(int(i)) for i in ids)
    return pw.SQL(f"{m._meta.primary_key.column_name} IN ({listed})" if listed else "1 = 0")


def claim(
    queue: Queue,
    holder: Holder,
    now: dt.datetime,
    limit: int,
    is_postgres: bool,
    fields: tuple[pw.Field, ...] = (),
    **values: Any,
) -> list[Any]:
    """Claim up to `limit` due rows for `holder`, in the caller's (short) transaction; return them.

    `values` are written with the claim; `fields` are the columns read back, as dicts (default:
    every column, as model instances). Call it through `Database.atomic`, and `holder.hold` the
    ids once that transaction has committed (the heartbeat then renews their lease).
    """
    m = queue.model
    candidates = m.select(m.id).where(queue.claimable(now)).order_by(m.id).limit(limit)
    if is_postgres:
        candidates = candidates.for_update(skip_locked=True)
    ids = [row_id for (row_id,) in candidates.tuples()]
    if not ids:
        return []
    values.update(claimed_until=now + holder.lease, claimed_by=holder.name)
    if queue.working is not None:
        values["state"] = queue.working
    # Conditional: a row another worker claimed meanwhile is not taken (SQLite's guarantee comes
    # from the IMMEDIATE transaction; this keeps the rule true for any isolation level).
    m.update(**values).where(_ids_in(m, ids) & queue.claimable(now)).execute()
    held = m.select(*fields).where(_ids_in(m, ids) & (m.claimed_by == holder.name)).order_by(m.id)
    return list(held.dicts() if fields else held)


def release(queue: Queue, holder: Holder, row_id: int, **values: Any) -> None:
    """Write the outcome of a claimed row and free it, if this worker still holds it.

    Raises LostClaim otherwise: inside a transaction with the domain changes, that rolls them
    back, so an item taken over by another worker is processed by that worker only.
    """
    m = queue.model
    values.update(claimed_until=None, claimed_by="")
    done = m.update(**values).where((m.id == row_id) & (m.claimed_by == holder.name)).execute()
    if done != 1:
        raise LostClaim(f"{m._meta.table_name} {row_id} is no longer held by {holder.name}")


def release_many(queue: Queue, holder: Holder, rows: list[tuple[int, dict[str, Any]]]) -> None:
    """`release` for many rows at once: one UPDATE per distinct set of values (a batch of
    deliveries that all went through is one statement). LostClaim if any row is no longer held
    (the caller's transaction then rolls back, and it may release them one by one to know which).
    The SQL is written here rather than built by peewee (most of a batch's CPU when it was).
    """
    m = queue.model
    db = m._meta.database
    fields = m._meta.fields
    groups: dict[tuple, list[int]] = {}
    for row_id, values in rows:
        values = {**values, "claimed_until": None, "claimed_by": ""}
        groups.setdefault(tuple(sorted(values.items())), []).append(row_id)
    for key, ids in groups.items():
        assignments, params = [], []
        for name, value in key:
            field = fields[name]
            if value is None:
                assignments.append(f"{field.column_name} = NULL")
            else:
                assignments.append(f"{field.column_name} = {db.param}")
                params.append(field.db_value(value))
        where = _ids_in(m, ids).sql
        sql = (
            f"UPDATE {m._meta.table_name} SET {', '.join(assignments)} "
            f"WHERE {where} AND claimed_by = {db.param}"
        )
        done = db.execute_sql(sql, [*params, holder.name]).rowcount
        if done != len(ids):
            raise LostClaim(f"{m._meta.table_name}: {len(ids) - done} rows no longer held")


def renew(holder: Holder, held: dict[Queue, list[int]], now: dt.datetime) -> int:
    """Extend the lease of the rows the holder still holds; returns how many were renewed."""
    renewed = 0
    for queue, ids in held.items():
        m = queue.model
        renewed += (
            m.update(claimed_until=now + holder.lease)
            .where(_ids_in(m, ids) & (m.claimed_by == holder.name))
            .execute()
        )
    return renewed


def give_back(holder: Holder, held: dict[Queue, list[int]]) -> int:
    """Free rows the holder holds (a worker stopping cleanly: nobody waits for the lease)."""
    freed = 0
    for queue, ids in held.items():
        m = queue.model
        values: dict[str, Any] = {"claimed_until": None, "claimed_by": ""}
        if queue.working is not None:
            values["state"] = queue.waiting
        freed += m.update(**values).where(_ids_in(m, ids) & (m.claimed_by == holder.name)).execute()
    return freed


async def heartbeat(db: Any, holder: Holder) -> None:
    """Renew the holder's leases every lease/6 until cancelled; gives its rows back on the way out.

    `db` is the node's `node.db.Database`; the holder is only touched on the event loop.
    """
    interval = holder.lease.total_seconds() / BEATS_PER_LEASE
    try:
        while True:
            await asyncio.sleep(interval)
            held = holder.holding()
            if held:
                try:
                    await db.atomic(renew, holder, held, utcnow())
                except Exception:  # noqa: BLE001 - a missed beat is retried; the lease has room
                    log.exception("lease heartbeat failed")
    finally:
        held = holder.holding()
        if held:
            for queue, ids in held.items():
                holder.forget(queue, ids)
            with contextlib.suppress(Exception):
                await db.atomic(give_back, holder, held)
