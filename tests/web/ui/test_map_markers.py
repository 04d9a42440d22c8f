"""The map's markers: items sharing a point are spread, overlapping markers cluster by zoom,
the payload is compact, and the page lists the same items for readers without JavaScript."""

import json
import random

from factories import make_listing
from helpers import login, make_quarter, make_resident, map_items, node_of

from node.local import geo, mapping
from node.local.listings.models import Listing

CENTRE = (48.1173, -1.6778)


def _markers(n, lat=CENTRE[0], lon=CENTRE[1], kind="listing"):
    return [mapping.Marker(kind, i, f"Item {i}", lat, lon) for i in range(1, n + 1)]


def test_items_sharing_a_point_are_spread_inside_their_cell_the_same_way_every_time():
    markers = _markers(40)
    spread = mapping.spread(markers)
    positions = {(m.lat, m.lon) for m in spread}
    assert len(positions) == 40  # no two items on one marker any more
    first = next(m for m in spread if m.id == 1)
    assert (first.lat, first.lon) == CENTRE  # the lowest id keeps the cell's centre
    for m in spread:
        assert geo.distance_m(*CENTRE, m.lat, m.lon) <= mapping.SPREAD_RADIUS_M + 0.01
    # neighbours are at least a few metres apart: markers a reader can tell apart at street zoom
    nearest = min(
        geo.distance_m(a.lat, a.lon, b.lat, b.lon)
        for i, a in enumerate(spread)
        for b in spread[i + 1 :]
    )
    assert nearest > 3
    shuffled = markers[:]
    random.Random(7).shuffle(shuffled)
    assert sorted(mapping.spread(shuffled), key=lambda m: m.id) == sorted(
        spread, key=lambda m: m.id
    )
    # an item alone on its point stays exactly there
    (alone,) = mapping.spread(_markers(1, 48.2, -1.7))
    assert (alone.lat, alone.lon) == (48.2, -1.7)


def test_markers_that_would_overlap_cluster_until_street_level():
    near = mapping.spread(_markers(12))
    far = [mapping.Marker("event", 99, "Far away", CENTRE[0] + 0.05, CENTRE[1] + 0.05)]
    at_town_zoom = mapping.cluster(near + far, 13)
    clusters = [c for c in at_town_zoom if isinstance(c, mapping.Cluster)]
    assert len(clusters) == 1 and clusters[0].count == 12
    min_lon, min_lat, max_lon, max_lat = clusters[0].bbox
    assert all(min_lat <= m.lat <= max_lat and min_lon <= m.lon <= max_lon for m in near)
    assert far[0] in at_town_zoom  # alone in its part of the screen: a marker of its own
    at_street_zoom = mapping.cluster(near + far, mapping.DETAIL_ZOOM)
    assert len(at_street_zoom) == 13
    assert not any(isinstance(c, mapping.Cluster) for c in at_street_zoom)


async def test_geojson_spreads_clusters_and_stays_compact(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    lat, lon = geo.coarsen(*CENTRE)
    rows = [await make_listing(node, alice, f"Thing {i}", lat=lat, lon=lon) for i in range(30)]
    await login(client, "alice")

    plain = await client.get("/map.geojson")
    assert plain.status == 200 and plain.content_type == "application/geo+json"
    data = json.loads(await plain.text())
    # compact: one MultiPoint feature for the listings, their ids and titles in the same order
    (listings,) = data["features"]
    assert listings["type"] == "Feature" and listings["geometry"]["type"] == "MultiPoint"
    assert set(listings["properties"]) == {"type", "ids", "titles"}  # only what the map needs
    assert listings["properties"]["type"] == "listing"
    items = map_items(data)
    assert {i["id"] for i in items} == {r.id for r in rows}
    assert {i["id"]: i["title"] for i in items} == {r.id: r.title for r in rows}
    assert {tuple(i["coordinates"]) for i in items}.__len__() == 30
    for i in items:
        f_lon, f_lat = i["coordinates"]
        assert geo.distance_m(lat, lon, f_lat, f_lon) <= mapping.SPREAD_RADIUS_M + 1
        # no more digits than a metre: the cell and the spread say nothing finer
        assert all(round(v, mapping.DIGITS) == v for v in i["coordinates"])

    # the same items one Feature each, for GIS tools
    each = json.loads(await (await client.get("/map.geojson?form=features")).text())
    assert {f["geometry"]["type"] for f in each["features"]} == {"Point"}
    assert all(set(f["properties"]) == {"type", "id", "title"} for f in each["features"])
    assert map_items(each) == items
    assert (await client.get("/map.geojson?form=svg")).status == 422

    town = json.loads(await (await client.get("/map.geojson?zoom=12")).text())
    (only,) = town["features"]
    assert only["properties"]["type"] == "cluster" and only["properties"]["count"] == 30
    street = json.loads(await (await client.get("/map.geojson?zoom=18")).text())
    assert len(map_items(street)) == 30

    for bad in ("abc", "20", "-1", "1.5", "²", "9" * 5000, "1e2"):
        response = await client.get(f"/map.geojson?zoom={bad}")
        assert response.status == 422, bad


async def test_geojson_of_500_markers_weighs_under_60_kb(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    rng = random.Random(3)

    def seed():
        Listing.insert_many(
            [
                {
                    "author": alice.id,
                    "quarter": alice.quarter_id,
                    "kind": "offer",
                    "type": "loan",
                    "title": f"Ladder and drill #{i}",
                    "description": "To lend",
                    "category": "diy",
                    "reach": "quarter",
                    "lat": CENTRE[0] + rng.uniform(-0.02, 0.02),
                    "lon": CENTRE[1] + rng.uniform(-0.03, 0.03),
                }
                for i in range(500)
            ]
        ).execute()

    await node.db.run(seed)
    await login(client, "alice")
    box = f"{CENTRE[1] - 0.03},{CENTRE[0] - 0.02},{CENTRE[1] + 0.03},{CENTRE[0] + 0.02}"
    # what the map page loads: the quarter's box at its opening zoom
    shown = await client.get(f"/map.geojson?bbox={box}&zoom=15")
    data = json.loads(await shown.read())
    assert sum(i.get("count", 1) for i in map_items(data)) == 500
    assert len(await shown.read()) < 60_000
    # every marker on its own (no zoom, and at street zoom): under 60 kB before any gzip
    for query in ("", "?kind=listing", "?zoom=18", f"?bbox={box}&zoom=19"):
        raw = await client.get(f"/map.geojson{query}", headers={"Accept-Encoding": "identity"})
        body = await raw.read()
        assert len(map_items(json.loads(body))) == 500, query
        assert len(body) < 60_000, (query, len(body))  # ~65 bytes a marker (was ~150)
    zipped = await client.get(
        "/map.geojson", headers={"Accept-Encoding": "gzip"}, auto_decompress=False
    )
    assert zipped.headers.get("Content-Encoding") == "gzip"
    assert len(await zipped.read()) < 20_000


async def test_long_titles_are_cut_on_the_map_and_the_answer_stays_under_60_kb(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    long_title = "Échelle télescopique en aluminium, 3,80 m, avec stabilisateurs " * 3

    def seed():
        Listing.insert_many(
            [
                {
                    "author": alice.id, "quarter": alice.quarter_id, "kind": "offer",
                    "type": "loan", "title": f"{i} {long_title}"[:200], "description": "",
                    "category": "diy", "reach": "quarter",
                    "lat": CENTRE[0] + i * 1e-4, "lon": CENTRE[1],
                }
                for i in range(500)
            ]
        ).execute()  # fmt: skip

    await node.db.run(seed)
    await login(client, "alice")
    body = await (await client.get("/map.geojson")).read()
    items = map_items(json.loads(body))
    assert len(items) == 500 and len(body) < 60_000
    assert all(len(i["title"]) == mapping.TITLE_CHARS and i["title"].endswith("…") for i in items)
    assert items[0]["title"].startswith(f"{items[0]['title'].split()[0]} Échelle télescopique")
    # the page of the item, and the form for GIS tools, keep the whole title
    each = json.loads(await (await client.get("/map.geojson?form=features")).read())
    assert all(len(f["properties"]["title"]) > mapping.TITLE_CHARS for f in each["features"])


def test_short_titles_stay_whole_and_long_ones_end_with_an_ellipsis():
    assert mapping.short_title("Drill") == "Drill"
    exact = "x" * mapping.TITLE_CHARS
    assert mapping.short_title(exact) == exact
    cut = mapping.short_title("word " * 40)
    assert len(cut) <= mapping.TITLE_CHARS and cut.endswith("word…")


async def test_map_page_lists_the_same_items_for_readers_without_javascript(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    await login(client, "alice")
    empty = await (await client.get("/map")).text()
    assert "Nothing with a place yet." in empty
    drill = await make_listing(node, alice, "Drill to lend", lat=CENTRE[0], lon=CENTRE[1])
    await make_listing(node, alice, "Placeless sofa")  # no position: not on the map
    html = await (await client.get("/map")).text()
    assert f'<a href="/listings/{drill.id}">Drill to lend</a>' in html
    assert "Placeless sofa" not in html
    assert 'id="map"' in html and "js/map.js" in html and "css/map.css" in html
