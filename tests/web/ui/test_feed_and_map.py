"""The quarter's feed: mixing, filters, pagination, search, Atom, the map and its privacy."""

import datetime as dt
import json

from factories import bearer, event_body, make_listing
from helpers import login, make_quarter, make_resident, map_items, node_of

from node.commit import commit
from node.local import announcements, feed, geo
from node.local.events.models import Event
from node.local.listings.models import Listing
from node.local.models import Announcement, utcnow


async def _seed(client):
    node = node_of(client)
    await make_quarter(node)
    await make_quarter(node, slug="north", name="North", postcodes=("35700",))
    alice = await make_resident(node, "alice")
    mod = await make_resident(node, "mod", role="moderator")
    stranger = await make_resident(node, "zed", quarter="north")
    return node, alice, mod, stranger


async def _backdate(node, model, row_id, minutes):
    when = utcnow() - dt.timedelta(minutes=minutes)
    await node.db.run(lambda: model.update(created_at=when).where(model.id == row_id).execute())


async def test_feed_mixes_kinds_newest_first_and_filters(client):
    node, alice, mod, stranger = await _seed(client)
    h = await bearer(node, alice)
    drill = await make_listing(node, alice, "Drill to lend")
    ask = await make_listing(
        node, alice, "Need a ladder", kind="request", type="service", category="moving"
    )
    gone = await make_listing(node, alice, "Old sofa", state="done")
    hidden = await make_listing(node, alice, "Spam", hidden=True)
    await make_listing(node, stranger, "Elsewhere")
    news = await commit(node, announcements.publish, mod.id, "Bin day moves", "Now on Tuesday")
    party = await (await client.post("/api/v1/events", json=event_body(), headers=h)).json()
    await _backdate(node, Listing, drill.id, 40)
    await _backdate(node, Listing, ask.id, 30)
    await _backdate(node, Announcement, news.id, 20)
    await _backdate(node, Event, party["id"], 10)
    items = await (await client.get("/api/v1/feed", headers=h)).json()
    assert [(i["type"], i["title"]) for i in items] == [
        ("event", "Street party"),
        ("announcement", "Bin day moves"),
        ("listing", "Need a ladder"),
        ("listing", "Drill to lend"),
    ]
    assert all(
        i["origin"] == "local" and i["url"].startswith("http://127.0.0.1:8080/") for i in items
    )
    assert {gone.id, hidden.id}.isdisjoint({i["id"] for i in items if i["type"] == "listing"})
    only = lambda q: client.get(f"/api/v1/feed?{q}", headers=h)  # noqa: E731
    assert [i["title"] for i in await (await only("kind=event")).json()] == ["Street party"]
    assert [i["title"] for i in await (await only("kind=request")).json()] == ["Need a ladder"]
    assert [i["title"] for i in await (await only("type=loan")).json()] == ["Drill to lend"]
    assert [i["title"] for i in await (await only("category=moving")).json()] == ["Need a ladder"]
    assert (await only("kind=nonsense")).status == 422


async def test_feed_pages_with_a_cursor_without_gaps(client):
    node, alice, mod, _ = await _seed(client)
    for i in range(7):
        await make_listing(node, alice, f"L{i}")
    await commit(node, announcements.publish, mod.id, "A", "")
    seen, url = [], "/api/v1/feed?limit=3"
    h = await bearer(node, alice)
    while url:
        r = await client.get(url, headers=h)
        page = await r.json()
        seen += [(i["type"], i["id"]) for i in page]
        link = r.headers.get("Link")
        url = link[link.index("/api") : link.index(">")] if link else None
    assert len(seen) == 8 and len(set(seen)) == 8


async def test_search_finds_events_and_listings(client):
    node, alice, _, _ = await _seed(client)
    h = await bearer(node, alice)
    await make_listing(node, alice, "Perceuse à prêter", description="Bosch drill")
    await make_listing(node, alice, "Bicycle pump", description="for tyres")
    await client.post(
        "/api/v1/events",
        json=event_body(title="Repair café", description="bring broken things"),
        headers=h,
    )
    await client.post("/api/v1/events", json=event_body(title="Choir"), headers=h)
    titles = lambda r: sorted(i["title"] for i in r)  # noqa: E731
    assert titles(await (await client.get("/api/v1/feed?q=repair", headers=h)).json()) == [
        "Repair café"
    ]
    assert titles(await (await client.get("/api/v1/feed?q=broken", headers=h)).json()) == [
        "Repair café"
    ]
    assert titles(await (await client.get("/api/v1/feed?q=drill", headers=h)).json()) == [
        "Perceuse à prêter"
    ]
    # an event renamed is found by its new title (the index follows updates)
    ids = await node.db.run(lambda: [e.id for e in Event.select().where(Event.title == "Choir")])
    await node.db.run(
        lambda: Event.update(title="Singing group").where(Event.id == ids[0]).execute()
    )
    assert titles(await (await client.get("/api/v1/feed?q=singing", headers=h)).json()) == [
        "Singing group"
    ]
    assert await (await client.get("/api/v1/feed?q=choir", headers=h)).json() == []
    assert await (await client.get('/api/v1/feed?q="*(', headers=h)).json() == []


async def test_visitors_see_only_public_items_in_atom(client):
    node, alice, _, _ = await _seed(client)
    await make_listing(node, alice, "Quarter only")
    await make_listing(node, alice, "For everyone", reach="public")
    r = await client.get("/feed.atom?quarter=centre")
    assert r.status == 200 and r.content_type == "application/atom+xml"
    text = await r.text()
    assert "<title>For everyone</title>" in text and "Quarter only" not in text
    await login(client, "alice")
    text = await (await client.get("/feed.atom")).text()
    assert "<title>Quarter only</title>" in text and "<title>For everyone</title>" in text
    assert (await client.get("/feed.atom?quarter=nowhere")).status == 404


async def test_home_shows_feed_filters_and_empty_state(client):
    node, alice, _, _ = await _seed(client)
    await login(client, "alice")
    text = await (await client.get("/")).text()
    assert "Your quarter is just getting started" in text
    await make_listing(node, alice, "Drill to lend")
    text = await (await client.get("/")).text()
    assert "Drill to lend" in text and 'name="kind"' in text
    text = await (await client.get("/?kind=event")).text()
    assert "Drill to lend" not in text and "Nothing matches these filters." in text


async def test_map_geojson_never_reveals_a_resident_position(client):
    node, alice, _, _ = await _seed(client)
    home_lat, home_lon = 48.117266, -1.677793
    await node.db.run(
        lambda: (
            alice.__class__.update(lat=home_lat, lon=home_lon)
            .where(alice.__class__.id == alice.id)
            .execute()
        )
    )
    # a listing that carries the exact home point (as a buggy client might send)
    await make_listing(node, alice, "Drill", lat=home_lat, lon=home_lon)
    h = await bearer(node, alice)
    venue = event_body(lat=48.11, lon=-1.68)
    await client.post("/api/v1/events", json=venue, headers=h)
    await login(client, "alice")
    page = await client.get("/map")
    html = await page.text()
    assert page.status == 200 and 'data-geojson="/map.geojson?quarter=centre"' in html
    assert 'data-tiles=""' in html and "<script>" not in html
    r = await client.get("/map.geojson")
    assert r.status == 200
    raw = await r.text()
    data = json.loads(raw)
    points = {i["type"]: i["coordinates"] for i in map_items(data)}
    # the cell's centre, to 5 decimals (~1 m: the payload is compact)
    assert points["listing"] == [round(v, 5) for v in reversed(geo.coarsen(home_lat, home_lon))]
    assert str(home_lat) not in raw and str(home_lon) not in raw
    each = await (await client.get("/map.geojson?form=features")).text()
    assert {i["type"]: i["coordinates"] for i in map_items(json.loads(each))} == points
    assert str(home_lat) not in each and str(home_lon) not in each
    assert geo.distance_m(home_lat, home_lon, points["listing"][1], points["listing"][0]) > 1
    # venues are public and exact (PostgreSQL stores FloatField as REAL: ~0.5 m precision)
    assert abs(points["event"][0] + 1.68) < 1e-5 and abs(points["event"][1] - 48.11) < 1e-5
    assert geo.distance_m(48.11, -1.68, points["event"][1], points["event"][0]) < 1
    boxed = await (await client.get("/map.geojson?bbox=-1.70,48.10,-1.65,48.112")).json()
    assert [i["type"] for i in map_items(boxed)] == ["event"]
    assert (await client.get("/map.geojson?bbox=1,2")).status == 422


def test_cursor_is_checked():
    import pytest

    with pytest.raises(feed.Invalid):
        feed.parse_cursor("yesterday")
