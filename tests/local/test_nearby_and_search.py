"""Quarters by radius and adjacent quarters (reach and scope `nearby`), and the search API:
scope, near=LAT,LON&radius=METRES, category labels in any language, hostile values → 400."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from factories import event_body
from helpers import api, login, make_quarter, make_resident, make_token, node_of, post_form

from node.commit import commit
from node.db import Database
from node.local import quarters
from node.local.adjacency import QuarterNeighbour
from node.local.models import Quarter, Resident

ROOT = Path(__file__).resolve().parent.parent.parent
CENTRE = (48.6400, -2.0100)
NORTH = (48.6600, -2.0100)  # 2.2 km north of the centre


async def _three_quarters(node):
    """centre and nord are adjacent; loin is not adjacent to either."""
    await make_quarter(node, "centre", "Centre", postcodes=("35400",))
    await commit(node, quarters.create_quarter, "nord", "Nord", ["35401"], adjacent="centre")
    await commit(node, quarters.create_quarter, "loin", "Loin", ["35999"])


async def _at(node, resident, point):
    lat, lon = point
    await node.db.run(
        lambda: Resident.update(lat=lat, lon=lon).where(Resident.id == resident.id).execute()
    )


async def _publish(client, token, title, **fields):
    body = {"kind": "offer", "type": "loan", "title": title, "category": "diy"}
    body.update(fields)
    status, listing, _ = await api(client, "POST", "/api/v1/listings", token, body)
    assert status == 201, listing
    return listing


async def _titles(client, token, query=""):
    status, rows, _ = await api(client, "GET", "/api/v1/listings" + query, token)
    assert status == 200, rows
    return sorted(r["title"] for r in rows)


async def test_nearby_items_reach_the_adjacent_quarters_only(client):
    node = node_of(client)
    await _three_quarters(node)
    alice = await make_resident(node, "alice", quarter="centre")
    nina = await make_resident(node, "nina", quarter="nord")
    fred = await make_resident(node, "fred", quarter="loin")
    unverified = await make_resident(node, "uma", quarter="nord", verified=False)
    a, n, f, u = [await make_token(node, r.id) for r in (alice, nina, fred, unverified)]
    made = {}
    for reach in ("quarter", "nearby", "twins", "public"):
        made[reach] = await _publish(client, a, f"Perceuse {reach}", reach=reach)
    everything = sorted(f"Perceuse {r}" for r in made)
    assert await _titles(client, a, "?scope=quarter") == everything
    assert await _titles(client, a, "?scope=nearby") == everything
    # Nina, next door: nearby, twins (the wider reach) and public; never quarter-only
    next_door = ["Perceuse nearby", "Perceuse public", "Perceuse twins"]
    assert await _titles(client, n, "?scope=nearby") == next_door
    assert await _titles(client, n) == next_door
    assert await _titles(client, n, "?scope=quarter") == []
    # Fred, two quarters away: nothing of it; an unverified neighbour: what is public only
    assert await _titles(client, f, "?scope=nearby") == []
    assert await _titles(client, u, "?scope=nearby") == ["Perceuse public"]
    # the one rule holds on the detail too (404, existence not confirmed)
    for reach, listing in made.items():
        path = f"/api/v1/listings/{listing['id']}"
        assert (await api(client, "GET", path, n))[0] == (404 if reach == "quarter" else 200)
        assert (await api(client, "GET", path, f))[0] == (200 if reach == "public" else 404)
        page = await client.get(f"/listings/{listing['id']}")  # a visitor
        assert page.status == (200 if reach == "public" else 404), reach
    # events follow the same rule
    status, event, _ = await api(client, "POST", "/api/v1/events", a, event_body(reach="nearby"))
    assert status == 201, event
    status, seen, _ = await api(client, "GET", "/api/v1/events?scope=nearby", n)
    assert [e["id"] for e in seen] == [event["id"]]
    status, seen, _ = await api(client, "GET", "/api/v1/events?scope=nearby", f)
    assert seen == []
    assert (await api(client, "GET", f"/api/v1/events/{event['id']}", f))[0] == 404


async def test_nearby_items_never_leave_the_node(client):
    from node.activitypub.models import Delivery

    node = node_of(client)
    await _three_quarters(node)
    alice = await make_resident(node, "alice", quarter="centre")
    await _publish(client, await make_token(node, alice.id), "Échelle", reach="nearby")
    assert await node.db.run(lambda: Delivery.select().count()) == 0


async def test_search_near_a_point_within_a_radius(client):
    node = node_of(client)
    await _three_quarters(node)
    alice = await make_resident(node, "alice", quarter="centre")
    bob = await make_resident(node, "bob", quarter="centre")
    await _at(node, alice, CENTRE)
    await _at(node, bob, NORTH)
    a, b = await make_token(node, alice.id), await make_token(node, bob.id)
    await _publish(client, a, "Perceuse du centre")
    await _publish(client, b, "Perceuse du nord")
    near = f"?near={CENTRE[0]},{CENTRE[1]}"
    assert await _titles(client, a, near + "&radius=500") == ["Perceuse du centre"]
    assert await _titles(client, a, near) == ["Perceuse du centre"]  # 1 km by default
    assert await _titles(client, a, near + "&radius=3000") == [
        "Perceuse du centre",
        "Perceuse du nord",
    ]
    assert await _titles(client, a, f"?near={NORTH[0]},{NORTH[1]}&radius=400&q=perceuse") == [
        "Perceuse du nord"
    ]


async def test_category_labels_match_in_any_language(client):
    node = node_of(client)
    await make_quarter(node)
    fr = await make_resident(node, "camille", language="fr")
    de = await make_resident(node, "jonas", language="de")
    c, j = await make_token(node, fr.id), await make_token(node, de.id)
    await _publish(client, c, "Perceuse", category="diy")
    await _publish(client, c, "Tondeuse", category="garden")
    await _publish(client, c, "Poussette", category="children")
    assert await _titles(client, c, "?q=Bricolage") == ["Perceuse"]
    assert await _titles(client, j, "?q=Heimwerken") == ["Perceuse"]
    assert await _titles(client, c, "?q=brico") == ["Perceuse"]  # the first letters
    assert await _titles(client, j, "?q=Garten") == ["Tondeuse"]
    assert await _titles(client, c, "?q=jardin") == ["Tondeuse"]
    assert await _titles(client, c, "?q=DIY") == ["Perceuse"]
    # every word must be met, by the text or by the category
    assert await _titles(client, c, "?q=bricolage perceuse") == ["Perceuse"]
    assert await _titles(client, c, "?q=bricolage fragile") == []
    # a query that names an object finds it, whatever the other words say
    assert await _titles(client, c, "?q=bricolage tondeuse") == ["Tondeuse"]
    assert await _titles(client, c, "?q=tondeuse") == ["Tondeuse"]


@pytest.mark.parametrize(
    "query",
    [
        "?scope=nowhere",
        "?near=abc",
        "?near=48.6",
        "?near=91,0",
        "?near=0,181",
        "?near=NaN,0",
        "?near=inf,0",
        "?near=1,2,3",
        "?near=48.6,-2.0&radius=-5",
        "?near=48.6,-2.0&radius=0",
        "?near=48.6,-2.0&radius=1e999",
        "?near=48.6,-2.0&radius=nan",
        "?near=48.6,-2.0&radius=100001",
        "?near=48.6,-2.0&radius=ten",
        "?radius=500",
        "?near=%C3%A9,1",
    ],
)
async def test_hostile_search_values_are_refused_with_a_message(client, query):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    status, body, _ = await api(
        client, "GET", "/api/v1/listings" + query, await make_token(node, alice.id)
    )
    assert status == 400, (query, status, body)
    assert body["error"] == "bad_request" and body["message"], body


# ---------------------------------------------------------------- the command line


def quartier(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "node", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_create_quarter_by_radius_and_adjacency(tmp_path, database_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUARTIER_")}
    url = database_url("cli")
    env.update(
        QUARTIER_DATA_DIR=str(tmp_path / "cli"),
        QUARTIER_DATABASE_URL=url,
        QUARTIER_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    create = ("admin", "create-quarter")
    made = quartier(
        env,
        *create,
        "--slug",
        "centre",
        "--name",
        "Centre",
        "--center",
        "48.64,-2.01",
        "--radius",
        "800",
    )
    assert made.returncode == 0, made.stderr
    made = quartier(
        env,
        *create,
        "--slug",
        "gare",
        "--name",
        "Gare",
        "--center",
        "48.648,-2.03",
        "--radius",
        "500",
    )
    assert made.returncode == 0, made.stderr
    made = quartier(
        env,
        *create,
        "--slug",
        "nord",
        "--name",
        "Nord",
        "--center",
        "48.66,-2.01",
        "--radius",
        "1200",
        "--adjacent",
        "centre, gare",
    )
    assert made.returncode == 0, made.stderr
    for args, says in (
        (("--center", "91,0", "--radius", "500"), "LAT,LON"),
        (("--center", "48.6,-2.0", "--radius", "many"), "radius in metres"),
        (("--center", "48.6,-2.0", "--radius", "10"), "between 50 and 50000"),
        (("--radius", "500"), "LAT,LON"),
        (("--adjacent", "centre,nowhere"), "No such quarter: nowhere"),
        (("--adjacent", "bad"), "cannot be adjacent to itself"),
    ):
        refused = quartier(env, *create, "--slug", "bad", "--name", "Bad", *args)
        assert refused.returncode == 1, (args, refused.stdout)
        assert says in refused.stderr, (args, refused.stderr)

    db = Database(url)
    db.bind_here()
    try:
        ids = {q.slug: q.id for q in Quarter.select()}
        assert set(ids) == {"centre", "gare", "nord"}  # nothing half-made by the refusals
        pairs = {(r.quarter_id, r.neighbour_id) for r in QuarterNeighbour.select()}
        n, c, g = ids["nord"], ids["centre"], ids["gare"]
        assert pairs == {(n, c), (c, n), (n, g), (g, n)}  # symmetric
        # the circle is the quarter: 700 m from the centre is in, 900 m is out
        assert quarters.find_quarter(lat=48.64 + 700 / 111_320, lon=-2.01).slug == "centre"
        assert quarters.find_quarter(lat=48.64 - 900 / 111_320, lon=-2.01) is None
        centre = Quarter.get(Quarter.slug == "centre")
        assert (centre.center_lat, centre.center_lon) == (48.64, -2.01)
    finally:
        db.close()


async def test_an_object_is_found_in_every_shipped_language(client):
    node = node_of(client)
    await make_quarter(node)
    fr = await make_resident(node, "camille", language="fr")
    de = await make_resident(node, "jonas", language="de")
    c, j = await make_token(node, fr.id), await make_token(node, de.id)
    await _publish(client, c, "Échelle en alu", category="diy")
    await _publish(client, c, "Machine à coudre Singer", category="clothes")
    await _publish(client, c, "Perceuse", category="diy")
    await _publish(client, j, "Zelt für vier", category="games")
    assert await _titles(client, j, "?q=Leiter") == ["Échelle en alu"]
    assert await _titles(client, j, "?q=Nähmaschine") == ["Machine à coudre Singer"]
    assert await _titles(client, c, "?q=tente") == ["Zelt für vier"]
    assert await _titles(client, c, "?q=sewing machine") == ["Machine à coudre Singer"]
    assert await _titles(client, c, "?q=échelle") == ["Échelle en alu"]
    assert await _titles(client, c, "?q=Leiter&category=games") == []
    assert await _titles(client, c, "?q=banane") == []


async def test_events_near_a_point(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    a = await make_token(node, alice.id)
    for title, (lat, lon) in (("Fête du centre", CENTRE), ("Fête du nord", NORTH)):
        status, event, _ = await api(
            client, "POST", "/api/v1/events", a, event_body(title=title, lat=lat, lon=lon)
        )
        assert status == 201, event
    status, found, _ = await api(
        client, "GET", f"/api/v1/events?near={NORTH[0]},{NORTH[1]}&radius=500", a
    )
    assert status == 200 and [e["title"] for e in found] == ["Fête du nord"]
    status, body, _ = await api(client, "GET", "/api/v1/events?near=1,2&radius=-1", a)
    assert status == 400 and body["message"]


async def test_admins_draw_quarters_by_radius_and_set_adjacency_in_the_admin_pages(client):
    node = node_of(client)
    await _three_quarters(node)
    await make_resident(node, "alma", quarter="centre", role="admin")
    await make_resident(node, "mona", quarter="loin", role="moderator")
    await login(client, "alma")
    page = await (await client.get("/admin/quarters")).text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    made = await post_form(
        client,
        "/admin/quarters",
        csrf_token=token,
        slug="gare",
        name="Gare",
        center="48.644,-2.009",
        radius="600",
        adjacent="centre,loin",
    )
    assert made.status == 303, await made.text()
    refused = await post_form(
        client,
        "/admin/quarters",
        csrf_token=token,
        slug="port",
        name="Port",
        radius="abc",
        center="48.6,-2.0",
    )
    assert refused.status == 400 and "radius in metres" in await refused.text()
    gare = await node.db.run(lambda: Quarter.get(Quarter.slug == "gare"))
    assert gare.boundary and (gare.center_lat, gare.center_lon) == (48.644, -2.009)
    page = await (await client.get("/admin/quarters/gare")).text()
    assert 'value="centre, loin"' in page
    saved = await post_form(
        client, "/admin/quarters/gare", csrf_token=token, name="Gare", adjacent="centre"
    )
    assert saved.status == 303, await saved.text()
    pairs = await node.db.run(
        lambda: sorted(
            (Quarter.get_by_id(r.quarter_id).slug, Quarter.get_by_id(r.neighbour_id).slug)
            for r in QuarterNeighbour.select()
        )
    )
    assert pairs == [("centre", "gare"), ("centre", "nord"), ("gare", "centre"), ("nord", "centre")]
    # a moderator edits their quarter, but never which quarters see its nearby items
    client.session.cookie_jar.clear()
    await login(client, "mona")
    page = await (await client.get("/admin/quarters/loin")).text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert 'name="adjacent"' not in page
    sneaky = await post_form(
        client, "/admin/quarters/loin", csrf_token=token, name="Loin", adjacent="centre"
    )
    assert sneaky.status == 403
    fine = await post_form(client, "/admin/quarters/loin", csrf_token=token, name="Loin")
    assert fine.status == 303
