"""Map answers kept in memory (node/local/mapview.py): served again only while nothing they show
has changed, never from one reader to another, and never past the time an item leaves."""

import dataclasses
import datetime as dt
import importlib
import json
import logging
import re

from factories import make_listing
from helpers import login, make_quarter, make_resident, map_items, node_of

from node.appkeys import map_cache_key
from node.local import feed, geo, mapview, reach
from node.local.adjacency import QuarterNeighbour
from node.local.listings.models import Listing
from node.local.models import Resident, utcnow

CENTRE = (48.1173, -1.6778)
WATCHED = importlib.import_module("node.migrations.0132_map_generation").WATCHED


async def _ids(client, query=""):
    response = await client.get(f"/map.geojson{query}")
    assert response.status == 200, await response.text()
    return {i.get("id") for i in map_items(json.loads(await response.read()))}  # None: a cluster


async def _place(node, author, title, **fields):
    lat, lon = geo.coarsen(*CENTRE)
    return await make_listing(node, author, title, lat=lat, lon=lon, **fields)


async def test_a_new_listing_shows_on_the_next_map_and_a_hidden_one_leaves_it(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    first = await _place(node, alice, "Drill")
    await login(client, "alice")
    assert await _ids(client) == {first.id}
    assert len(client.server.app[map_cache_key]) == 1  # kept

    second = await _place(node, alice, "Ladder")
    assert await _ids(client) == {first.id, second.id}

    # any write counts, whoever makes it: here a bare UPDATE, as another process could run it
    await node.db.run(lambda: Listing.update(hidden=True).where(Listing.id == first.id).execute())
    assert await _ids(client) == {second.id}
    await node.db.run(
        lambda: Listing.update(state="withdrawn").where(Listing.id == second.id).execute()
    )
    assert await _ids(client) == set()


async def test_a_quarter_only_item_never_reaches_another_readers_map(client):
    node = node_of(client)
    await make_quarter(node)
    await make_quarter(node, "port", "Port", ("35200",))
    alice = await make_resident(node, "alice")
    await make_resident(node, "bob", quarter="port")
    private = await _place(node, alice, "Quarter-only sofa", reach="quarter")
    public = await _place(node, alice, "Public bike", reach="public")

    await login(client, "alice")
    assert await _ids(client) == {private.id, public.id}  # alice's answer is kept
    assert await _ids(client) == {private.id, public.id}
    client.session.cookie_jar.clear()  # signed out

    # a visitor and a resident of another quarter ask for the very same map
    assert await _ids(client, "?quarter=centre") == {public.id}
    await login(client, "bob")
    assert await _ids(client, "?quarter=centre") == {public.id}
    assert await _ids(client, "?quarter=centre") == {public.id}  # from bob's own kept answer


async def test_an_answer_is_kept_until_a_change_and_no_longer(client, monkeypatch):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    await _place(node, alice, "Drill")
    await login(client, "alice")
    made = []
    real = mapview.map_markers_until
    monkeypatch.setattr(
        mapview, "map_markers_until", lambda *a, **k: made.append(1) or real(*a, **k)
    )
    for _ in range(3):
        await _ids(client, "?zoom=15")
    assert len(made) == 1  # made once, then served from memory
    await _ids(client, "?zoom=16")
    assert len(made) == 2  # another zoom is another answer
    await _place(node, alice, "Ladder")
    await _ids(client, "?zoom=15")
    assert len(made) == 3  # the counter moved: made afresh


async def test_an_item_leaves_a_kept_answer_when_it_expires_without_any_write(client):
    node = node_of(client)
    quarter = await make_quarter(node)
    alice = await make_resident(node, "alice")
    now = utcnow()
    soon = now + dt.timedelta(minutes=5)
    lasting = await _place(node, alice, "Drill")
    leaving = await _place(node, alice, "Tent", expires_at=soon)
    cache = mapview.MapCache()

    def ids_at(moment):
        me = Resident.get_by_id(alice.id)
        filters = feed.FeedFilter().read_by(me)
        body = mapview.answer(cache, quarter.id, filters, moment, None, None, "compact")
        return {i["id"] for i in map_items(json.loads(body))}

    assert await node.db.run(ids_at, now) == {lasting.id, leaving.id}
    assert await node.db.run(ids_at, now + dt.timedelta(minutes=1)) == {lasting.id, leaving.id}
    assert await node.db.run(ids_at, soon + dt.timedelta(seconds=1)) == {lasting.id}


async def test_neighbours_and_twins_count_as_changes(client):
    """Who sees what also depends on neighbour quarters and twins: they move the counter too."""
    node = node_of(client)
    centre = await make_quarter(node)
    port = await make_quarter(node, "port", "Port", ("35200",))
    before = await node.db.run(mapview.generation)
    await node.db.run(
        lambda: QuarterNeighbour.insert(quarter=centre.id, neighbour=port.id).execute()
    )
    after = await node.db.run(mapview.generation)
    assert after > before
    await node.db.run(lambda: QuarterNeighbour.delete().execute())
    assert await node.db.run(mapview.generation) > after


def test_the_cache_keeps_a_bounded_number_of_answers():
    cache = mapview.MapCache(size=2)
    now = utcnow()
    cache.put("a", 1, None, b"A")
    cache.put("b", 1, None, b"B")
    assert cache.get("a", 1, now) == b"A"  # a is now the most recently used
    cache.put("c", 1, None, b"C")
    assert len(cache) == 2
    assert cache.get("b", 1, now) is None  # the least recently used went
    assert cache.get("a", 2, now) is None  # another counter: not served, and forgotten
    assert cache.get("a", 1, now) is None
    cache.put("d", 1, now, b"D")
    assert cache.get("d", 1, now) is None  # its first item has left by now


async def test_the_counter_watches_every_table_a_map_answer_reads(client):
    """A kept answer is only as fresh as the tables whose writes move the counter: should the
    map's queries ever read another table (blocks, say), this fails until migration-made
    triggers watch it too."""
    node = node_of(client)
    quarter = await make_quarter(node)
    readers = [
        None,
        reach.Viewer(1, quarter.id, "resident", True),
        reach.Viewer(1, quarter.id, "admin", True),
        reach.Viewer(server="other.example"),
    ]
    statements = []

    class Keep(logging.Handler):
        def emit(self, record):
            statements.append(str(record.msg[0]) if isinstance(record.msg, tuple) else "")

    def read_all():
        for reader in readers:
            for scope in reach.SCOPES:
                for query in ({}, {"q": "drill ladder"}, {"kind": "offer", "category": "diy"}):
                    filters = feed.FeedFilter.parse({**query, "scope": scope})
                    filters = dataclasses.replace(filters, reader=reader)
                    for f in (filters, filters.for_visitor()):
                        mapview.map_markers_until(quarter.id, f, utcnow(), None, 10, 15)

    handler, logger = Keep(), logging.getLogger("peewee")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        await node.db.run(read_all)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    tables = set()
    for sql in statements:
        tables |= set(re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?', sql))
    assert {"listing", "event"} <= tables
    derived = {"listing_fts", "event_fts"}  # kept from listing and event by their own triggers
    assert tables - derived <= set(WATCHED), tables
