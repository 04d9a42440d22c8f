"""SQLite's planner statistics are gathered by a daily job (node/planner.py), once per day."""

import datetime as dt

from ap_support import start_node

from node.periodic import PeriodicJob


def _stat_rows(node) -> int:
    if node.db.is_postgres:
        return 0
    return node.db.peewee.execute_sql("SELECT count(*) FROM sqlite_stat1").fetchone()[0]


async def test_statistics_are_gathered_once_a_day(make_settings, cleanup):
    node, runner = await start_node(make_settings, "a")
    cleanup.push_async_callback(runner.cleanup)
    now = dt.datetime(2026, 12, 1, 12, 0)
    node.clock = lambda: now
    await node.drain()
    job = await node.db.run(PeriodicJob.get_or_none, PeriodicJob.name == "planner_statistics")
    if node.db.is_postgres:  # autovacuum's work there: the job never runs
        assert job is None
        return
    assert job is not None and await node.db.run(_stat_rows, node) > 0
    # the same day: claimed already, nothing runs again
    await node.db.run(lambda: node.db.peewee.execute_sql("DELETE FROM sqlite_stat1"))
    node.statistics_next_try = dt.datetime.min
    now += dt.timedelta(hours=23)
    await node.drain()
    assert await node.db.run(_stat_rows, node) == 0
    # the next day it runs again
    node.statistics_next_try = dt.datetime.min
    now += dt.timedelta(hours=2)
    await node.drain()
    assert await node.db.run(_stat_rows, node) > 0
