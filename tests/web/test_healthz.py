"""/healthz: 200 with the database reachable, 503 when it is not."""

from helpers import free_port, node_of

from node.db import Database


async def test_healthz_answers_503_when_the_database_is_unreachable(client):
    node = node_of(client)
    assert (await client.get("/healthz")).status == 200
    # Given the node's database moves to a server that does not answer (a closed loopback port)
    working = node.db.peewee
    node.db.peewee = Database(f"postgresql://nobody@127.0.0.1:{free_port()}/none").peewee
    try:
        response = await client.get("/healthz")
        assert response.status == 503
        assert (await response.json())["database"] == "unreachable"
    finally:
        node.db.peewee = working
    assert (await client.get("/healthz")).status == 200


async def test_liveness_needs_no_database_and_readiness_answers_within_its_budget(client):
    import socket
    import time

    node = node_of(client)
    assert (await client.get("/livez")).status == 200
    assert (await client.get("/readyz")).status == 200
    # Given a database server that accepts connections and never answers (a listening socket)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    working = node.db.peewee
    node.db.peewee = Database(f"postgresql://nobody@127.0.0.1:{silent.getsockname()[1]}/x").peewee
    try:
        started = time.monotonic()
        responses = [await client.get(path) for path in ("/readyz", "/healthz")]
        assert [r.status for r in responses] == [503, 503]
        assert time.monotonic() - started < 8  # the 3 s budget each, not a hang
        live = await client.get("/livez")
        assert live.status == 200 and (await live.json())["status"] == "ok"
    finally:
        silent.close()
        if node.db._probing is not None:
            await node.db._probing  # the probe of the silent server ends at its connect timeout
        node.db.peewee = working
    assert (await client.get("/readyz")).status == 200
