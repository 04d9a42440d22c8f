"""A resident joins a quarter by postcode, by boundary polygon, or by a moderator's move."""

import json

from helpers import login, make_quarter, make_resident, node_of, post_file, post_form, switch_to

from node.local.models import Quarter, Resident

# A square around Saint-Servan (GeoJSON is [lon, lat]).
SQUARE = {
    "type": "Feature",
    "geometry": {
        "type": "Polygon",
        "coordinates": [
            [[-2.03, 48.62], [-2.0, 48.62], [-2.0, 48.64], [-2.03, 48.64], [-2.03, 48.62]]
        ],
    },
}


async def quarter_of(node, username):
    def read():
        resident = Resident.get(Resident.username == username)
        return Quarter.get_by_id(resident.quarter_id).slug if resident.quarter_id else None

    return await node.db.run(read)


async def test_address_with_postcode_attaches_to_quarter(client):
    node = node_of(client)
    await make_quarter(node, "centre", postcodes=("35400",))
    await make_quarter(node, "nord", "Nord", postcodes=("35800",))
    await make_resident(node, "alice", quarter=None, verified=False)
    await login(client, "alice")
    response = await post_form(
        client, "/settings/address", address="3 rue des Bains", postcode="35 800", city="Dinard"
    )
    assert response.status == 303
    assert response.headers["Location"] == "/settings/verification"
    assert await quarter_of(node, "alice") == "nord"
    alice = await node.db.run(lambda: Resident.get(Resident.username == "alice"))
    assert alice.address == "3 rue des Bains" and alice.city == "Dinard"


async def test_position_inside_boundary_wins_over_postcode(client):
    node = node_of(client)
    await make_quarter(node, "centre", postcodes=("35400",))
    await make_quarter(node, "servan", "Saint-Servan", postcodes=(), boundary=json.dumps(SQUARE))
    await make_resident(node, "alice", quarter=None, verified=False)
    await login(client, "alice")
    response = await post_form(
        client, "/settings/address", postcode="35400", lat="48.63", lon="-2.015"
    )
    assert response.status == 303
    assert await quarter_of(node, "alice") == "servan"


async def test_address_outside_every_quarter_keeps_resident_unattached(client):
    node = node_of(client)
    await make_quarter(node, "centre", postcodes=("35400",))
    await make_resident(node, "alice", quarter=None, verified=False)
    await login(client, "alice")
    response = await post_form(client, "/settings/address", postcode="75001", city="Paris")
    assert response.status == 303
    assert response.headers["Location"] == "/settings/address"
    assert await quarter_of(node, "alice") is None


async def test_invalid_position_is_refused(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "alice", quarter=None, verified=False)
    await login(client, "alice")
    response = await post_form(client, "/settings/address", postcode="35400", lat="123", lon="2")
    assert response.status == 400
    assert "Enter a number between" in await response.text()
    assert await quarter_of(node, "alice") is None


async def test_moderator_moves_a_resident_and_plain_residents_cannot(client):
    node = node_of(client)
    await make_quarter(node, "centre", postcodes=("35400",))
    await make_quarter(node, "nord", "Nord", postcodes=("35800",))
    alice = await make_resident(node, "alice")
    await make_resident(node, "bob")
    await make_resident(node, "mod", role="moderator")
    await login(client, "bob")
    refused = await post_form(
        client, f"/admin/residents/{alice.id}/quarter", page="/settings", quarter="nord"
    )
    assert refused.status == 403
    await switch_to(client, "mod")
    moved = await post_form(
        client, f"/admin/residents/{alice.id}/quarter", page="/admin/residents", quarter="nord"
    )
    assert moved.status == 303
    assert await quarter_of(node, "alice") == "nord"


async def test_admin_creates_quarter_with_geojson_file_and_edits_it(client):
    node = node_of(client)
    await make_quarter(node, "centre")
    await make_resident(node, "root", role="admin")
    await login(client, "root")
    response = await post_file(
        client,
        "/admin/quarters",
        "boundary",
        json.dumps(SQUARE).encode(),
        "servan.geojson",
        "application/geo+json",
        slug="servan",
        name="Saint-Servan",
        postcodes="35400, 35401",
        rural="on",
    )
    assert response.status == 303, await response.text()
    quarter = await node.db.run(lambda: Quarter.get(Quarter.slug == "servan"))
    assert quarter.rural and quarter.postcode_list() == ["35400", "35401"]
    assert json.loads(quarter.boundary)["type"] == "Polygon"
    assert 48.62 < quarter.center_lat < 48.64
    bad = await post_file(
        client,
        "/admin/quarters",
        "boundary",
        b'{"type": "Point", "coordinates": [1, 2]}',
        "x.geojson",
        "application/json",
        slug="other",
        name="Other",
    )
    assert bad.status == 400
    assert "not a GeoJSON polygon" in await bad.text()
    edited = await post_form(
        client,
        "/admin/quarters/servan",
        name="Saint-Servan-sur-Mer",
        postcodes="35400",
        clear_boundary="on",
    )
    assert edited.status == 303
    quarter = await node.db.run(lambda: Quarter.get(Quarter.slug == "servan"))
    assert quarter.name == "Saint-Servan-sur-Mer" and quarter.boundary is None
    assert not quarter.rural


async def test_moderator_cannot_create_quarters(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "mod", role="moderator")
    await login(client, "mod")
    response = await post_form(client, "/admin/quarters", slug="x", name="X", postcodes="1")
    assert response.status == 403
