"""Query planner statistics on SQLite: ANALYZE once a day, as autovacuum does on PostgreSQL.

SQLite gathers no statistics by itself. Without them it plans by rules that, at 100,000 listings,
read and sort every open listing for a search (EXPLAIN QUERY PLAN, bench/sharing.py). `ANALYZE`
under an `analysis_limit` samples each index instead of reading it all, so it stays short on a big
file. The job is claimed in the database (node/periodic.py): one process runs it per interval,
and the first worker round of a new node runs it at once.
"""

from __future__ import annotations

import datetime as dt

from node import periodic
from node.queue import utcnow

JOB = "planner_statistics"
EVERY = dt.timedelta(hours=24)
TRY_EVERY = dt.timedelta(minutes=10)  # how often a process asks whether the day's run is due
ANALYSIS_LIMIT = 1000  # rows sampled per index (SQLite's own suggestion for large databases)


def analyse(database) -> None:
    """Gather the planner's statistics (SQLite; PostgreSQL's autovacuum does its own)."""
    database.execute_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
    database.execute_sql("ANALYZE")


def take(database, now: dt.datetime, holder: str) -> bool:
    """Analyse if today's run is still due (claimed in the caller's transaction)."""
    if not periodic.claim(JOB, EVERY, now, holder):
        return False
    analyse(database)
    return True


async def statistics_step(node) -> int:
    """Background step (node/background.py); nothing to do on PostgreSQL."""
    if node.db.is_postgres:
        return 0
    now = (node.clock or utcnow)()
    if now < getattr(node, "statistics_next_try", dt.datetime.min):
        return 0
    node.statistics_next_try = now + TRY_EVERY
    await node.db.atomic(take, node.db.peewee, now, node.claims.name)
    return 0  # never "work done": it must not keep the worker loop spinning
