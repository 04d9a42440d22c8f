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
