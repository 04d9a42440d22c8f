"""The optional geocoder places an address typed without a position (Nominatim and Photon shapes)."""

import json

import pytest
from aiohttp import web
from helpers import login, make_quarter, make_resident, node_of, post_form
from test_quarter_assignment import SQUARE, quarter_of

from node.app import create_app
from node.web import geocoder


def test_parse_reads_nominatim_and_photon_and_refuses_junk():
    assert geocoder.parse([{"lat": "48.63", "lon": "-2.015"}]) == (48.63, -2.015)
    photon = {
        "type": "FeatureCollection",
        "features": [{"geometry": {"coordinates": [-2.0, 48.6]}}],
    }
    assert geocoder.parse(photon) == (48.6, -2.0)
    for junk in (
        [],
        [{"lat": "abc", "lon": "1"}],
        [{"lat": "91", "lon": "0"}],
        {"features": [{}]},
        {"features": [{"geometry": {"coordinates": [1]}}]},
        "x",
        None,
        [{"lat": 1e400}],
    ):
        assert geocoder.parse(junk) is None


def test_query_params_follow_the_api():
    assert geocoder.query_params("http://g/search", "3 rue", "fr")["format"] == "jsonv2"
    photon = geocoder.query_params("http://g/api", "3 rue", "de")
    assert "format" not in photon and photon["lang"] == "de"


@pytest.fixture
async def geocoder_server(aiohttp_server):
    """A loopback geocoder answering like Nominatim on /search and Photon on /api."""
    seen: list[dict] = []

    async def search(request):
        seen.append(dict(request.query) | {"ua": request.headers.get("User-Agent", "")})
        if "nowhere" in request.query["q"]:
            return web.json_response([])
        return web.json_response([{"lat": "48.63", "lon": "-2.015", "display_name": "x"}])

    async def photon(request):
        seen.append(dict(request.query))
        point = {"type": "Point", "coordinates": [-2.02, 48.625]}
        return web.json_response({"type": "FeatureCollection", "features": [{"geometry": point}]})

    async def broken(request):
        return web.Response(status=500, text="down")

    app = web.Application()
    app.router.add_get("/search", search)
    app.router.add_get("/api", photon)
    app.router.add_get("/broken/search", broken)
    server = await aiohttp_server(app)
    server.seen = seen
    return server


@pytest.mark.parametrize("path", ["/search", "/api"])
async def test_address_without_position_is_placed_by_the_geocoder(
    aiohttp_client, make_settings, geocoder_server, path
):
    url = str(geocoder_server.make_url(path))
    client = await aiohttp_client(create_app(make_settings(geocoder_url=url)))
    node = node_of(client)
    await make_quarter(node, "centre", postcodes=("35400",))
    await make_quarter(node, "servan", "Saint-Servan", postcodes=(), boundary=json.dumps(SQUARE))
    await make_resident(node, "alice", quarter=None, verified=False)
    await login(client, "alice")
    response = await post_form(
        client, "/settings/address", address="3 rue Dauphine", postcode="35400", city="Saint-Malo"
    )
    assert response.status == 303
    # The postcode alone would say "centre"; the geocoded position is inside Saint-Servan.
    assert await quarter_of(node, "alice") == "servan"
    assert geocoder_server.seen and "3 rue Dauphine" in geocoder_server.seen[0]["q"]
    if path == "/search":
        assert geocoder_server.seen[0]["ua"].startswith("Quartier/")


@pytest.mark.parametrize("path", ["/search?nowhere", "/broken/search"])
async def test_a_geocoder_without_answer_leaves_the_postcode_to_decide(
    aiohttp_client, make_settings, geocoder_server, path
):
    url = str(geocoder_server.make_url(path.split("?")[0]))
    client = await aiohttp_client(create_app(make_settings(geocoder_url=url)))
    node = node_of(client)
    await make_quarter(node, "centre", postcodes=("35400",))
    await make_quarter(node, "servan", "Saint-Servan", postcodes=(), boundary=json.dumps(SQUARE))
    await make_resident(node, "alice", quarter=None, verified=False)
    await login(client, "alice")
    address = "nowhere street" if "nowhere" in path else "3 rue Dauphine"
    response = await post_form(client, "/settings/address", address=address, postcode="35400")
    assert response.status == 303
    assert await quarter_of(node, "alice") == "centre"


async def test_an_unreachable_geocoder_does_not_break_the_form(aiohttp_client, make_settings):
    from helpers import free_port

    url = f"http://127.0.0.1:{free_port()}/search"
    client = await aiohttp_client(create_app(make_settings(geocoder_url=url)))
    node = node_of(client)
    await make_quarter(node, "centre", postcodes=("35400",))
    await make_resident(node, "alice", quarter=None, verified=False)
    await login(client, "alice")
    response = await post_form(client, "/settings/address", address="1 rue", postcode="35400")
    assert response.status == 303
    assert await quarter_of(node, "alice") == "centre"
