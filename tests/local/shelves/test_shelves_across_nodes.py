"""Two real nodes on loopback (signed deliveries): a German request reaches the twinned French
quarter, where the match runs and a shelf owner answers "I have one" across the border."""

from __future__ import annotations

import aiohttp
import pytest
from helpers import make_token
from three_nodes import settle, start_site, twin


@pytest.fixture
async def pair(make_settings):
    started = [await start_site(make_settings, code) for code in ("fr", "de")]
    yield started
    for site in started:
        await site.runner.cleanup()


async def call(site, token, method, path, json=None):
    async with aiohttp.ClientSession() as session:
        async with session.request(
            method,
            site.node.urls.base + path,
            json=json,
            headers={"Authorization": f"Bearer {token}"},
        ) as resp:
            return resp.status, await resp.json()


async def shelf_matches(site, token):
    status, notes = await call(site, token, "GET", "/api/v1/notifications")
    assert status == 200, notes
    return [n for n in notes if n["kind"] == "shelf_match"]


async def test_a_request_from_the_twin_is_matched_on_arrival_and_answered(pair):
    fr, de = pair
    await twin(fr, de)
    camille = await make_token(fr.node, fr.resident.id)  # resident_fr, French
    jonas = await make_token(de.node, de.resident.id)  # resident_de, German
    status, item = await call(
        fr,
        camille,
        "POST",
        "/api/v1/listings",
        {"kind": "offer", "type": "loan", "title": "Échelle", "shelf": True, "language": "fr"},
    )
    assert status == 201, item
    # quarter-only requests stay in Burtscheid: nothing reaches Saint-Servan
    request = {"kind": "request", "type": "loan", "language": "de", "category": "diy"}
    status, _ = await call(
        de, jonas, "POST", "/api/v1/listings", {**request, "title": "Suche Leiter (intern)"}
    )
    assert status == 201
    await settle(fr, de)
    assert await shelf_matches(fr, camille) == []
    # a twins request is delivered to the twin quarter and matched there, on arrival
    status, asked = await call(
        de,
        jonas,
        "POST",
        "/api/v1/listings",
        {**request, "title": "Suche Leiter", "reach": "twins"},
    )
    assert status == 201, asked
    await settle(fr, de)
    (note,) = await shelf_matches(fr, camille)
    assert note["text"] == (
        "Un voisin cherche « Suche Leiter » : vous avez « Échelle » sur votre étagère."
    )
    # the link opens the request as kept on the French node (the remote copy)
    local_id = int(note["url"].rsplit("/", 1)[1])
    status, copy = await call(fr, camille, "GET", f"/api/v1/listings/{local_id}")
    assert status == 200 and copy["title"] == "Suche Leiter" and copy["origin"] != "local"
    # Jonas learns nothing yet
    status, convs = await call(de, jonas, "GET", "/api/v1/conversations")
    assert convs == []
    (action,) = note["actions"]
    path = action["url"].replace(fr.node.urls.base, "")
    status, answered = await call(fr, camille, "POST", path, {"text": "J'en ai une, passe !"})
    assert status == 200, answered
    await settle(fr, de)
    status, convs = await call(de, jonas, "GET", "/api/v1/conversations")
    assert [(c["other"]["username"], c["last_message"]["text"]) for c in convs] == [
        (f"resident_fr@{fr.node.urls.host}", "J'en ai une, passe !")
    ]
    # the German node's own residents were never told about their neighbour's shelf
    assert await shelf_matches(de, jonas) == []
