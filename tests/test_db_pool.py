"""PostgreSQL's connection pool: no liveness round trip for a connection just given back, and a
dead connection still replaced once that window has passed."""

from __future__ import annotations

from contextlib import closing

import pytest
from conftest import _pg_connect

from node import db as dbmodule
from node.appkeys import node_key

pytestmark = pytest.mark.postgres


@pytest.fixture
def liveness_checks(client, monkeypatch):
    """Counts peewee's `SELECT 1` checks of the node's pool (a spy: the check still runs)."""
    adapter = client.app[node_key].db.peewee._adapter
    real = adapter.is_connection_closed
    calls: list[int] = []

    def counted(conn):
        calls.append(conn.get_backend_pid())
        return real(conn)

    monkeypatch.setattr(adapter, "is_connection_closed", counted)
    return calls


async def test_a_connection_given_back_just_now_is_reused_without_a_round_trip(
    client, liveness_checks
):
    node = client.app[node_key]
    for _ in range(20):
        assert await node.db.run(lambda: node.db.peewee.execute_sql("SELECT 1").fetchone()) == (1,)
    assert liveness_checks == []


async def test_past_the_window_a_dead_connection_is_found_and_replaced(
    client, liveness_checks, monkeypatch
):
    node = client.app[node_key]

    def backend_pid():
        return node.db.peewee.connection().get_backend_pid()

    pids = {await node.db.run(backend_pid) for _ in range(4)}
    with closing(_pg_connect()) as admin, admin.cursor() as cur:
        for pid in pids:  # the server ends them: the pool cannot tell without asking
            cur.execute("SELECT pg_terminate_backend(%s)", (pid,))
    monkeypatch.setattr(dbmodule, "ALIVE_BYPASS_SECONDS", 0.0)
    answers = [await node.db.run(backend_pid) for _ in range(4)]
    assert liveness_checks, "past the window the pool must check the connection"
    assert not set(answers) & pids  # every dead connection was dropped, a live one used
