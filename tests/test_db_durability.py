"""Commits are durable before they return: the inbox's 202 and a page's "saved" promise it."""

from __future__ import annotations

from node.appkeys import node_key


async def test_every_connection_syncs_each_commit_to_disk(client):
    node = client.app[node_key]

    def durability():
        db = node.db.peewee
        if node.db.is_postgres:
            return db.execute_sql("SHOW synchronous_commit").fetchone()[0]
        mode = db.execute_sql("PRAGMA journal_mode").fetchone()[0]
        return f"{mode} {db.execute_sql('PRAGMA synchronous').fetchone()[0]}"

    # every thread of the database pool has its own connection: ask on several of them
    found = {await node.db.run(durability) for _ in range(8)}
    # SQLite: WAL with synchronous FULL (2); NORMAL (1) can lose the last commits on a power cut
    assert found == ({"on"} if node.db.is_postgres else {"wal 2"})
