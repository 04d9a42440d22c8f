"""Languages a resident reads (settings page), and the origin, language and distance of remote items."""

import re

from factories import event_body, make_listing
from helpers import api, login, make_quarter, make_resident, make_token, node_of, post_form

from node.commit import commit
from node.local.events import drafts as event_drafts
from node.local.events import write as events
from node.local.events.models import Event
from node.local.models import Quarter, Resident

ST_MALO = (48.6493, -2.0257)
AACHEN = (50.7753, 6.0839)


async def _remote_quarter(node):
    return await node.db.run(
        lambda: Quarter.create(
            slug="kaiserplatz@aachen.example",
            name="Kaiserplatz",
            country="DE",
            external_ref="https://aachen.example/quarters/kaiserplatz",
        )
    )


async def _remote_author(node):
    return await node.db.run(
        lambda: Resident.create(
            username="jonas@aachen.example",
            email="",
            display_name="Jonas",
            external_ref="https://aachen.example/@jonas",
            host="aachen.example",
        )
    )


async def _place(node, resident, lat_lon):
    await node.db.run(
        lambda: (
            Resident.update(lat=lat_lon[0], lon=lat_lon[1])
            .where(Resident.id == resident.id)
            .execute()
        )
    )


async def test_settings_page_chooses_the_languages_a_resident_reads(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    await make_listing(node, alice, "Perceuse", language="fr")
    await make_listing(node, alice, "Bohrmaschine", language="de")
    await make_listing(node, alice, "Trapano", language="it")
    token = await make_token(node, alice.id)
    await login(client, "alice")
    page = await (await client.get("/settings")).text()
    assert 'type="checkbox" name="languages" value="de"' in page and "German" in page
    assert not re.search(r'value="de" checked', page)
    r = await post_form(client, "/settings/languages", page="/settings", languages="fr")
    assert r.status == 303
    token_page = await client.get("/settings")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', await token_page.text()).group(1)
    r = await client.post(
        "/settings/languages",
        data=[("csrf_token", csrf), ("languages", "de"), ("languages", "it")],
        allow_redirects=False,
    )
    assert r.status == 303
    me = await node.db.run(Resident.get_by_id, alice.id)
    assert me.languages_seen == "de,it"
    page = await (await client.get("/settings")).text()
    assert re.search(r'value="de" checked', page) and re.search(r'value="it" checked', page)
    assert not re.search(r'value="fr" checked', page)
    _, rows, _ = await api(client, "GET", "/api/v1/listings", token)
    assert sorted(r["title"] for r in rows) == ["Bohrmaschine", "Trapano"]
    # Nothing checked: every language again.
    r = await post_form(client, "/settings/languages", page="/settings")
    assert r.status == 303
    assert (await node.db.run(Resident.get_by_id, alice.id)).languages_seen == ""
    _, rows, _ = await api(client, "GET", "/api/v1/listings", token)
    assert len(rows) == 3


async def test_remote_listing_page_and_json_show_origin_language_and_distance(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    bob = await make_resident(node, "bob")
    await _place(node, alice, ST_MALO)
    stub = await _remote_quarter(node)
    jonas = await _remote_author(node)
    remote = await make_listing(
        node,
        jonas,
        "Bohrmaschine",
        quarter=stub.id,
        reach="public",
        language="de",
        lat=AACHEN[0],
        lon=AACHEN[1],
        external_ref="https://aachen.example/listings/7",
        origin="aachen.example",
    )
    token = await make_token(node, alice.id)
    await login(client, "alice")
    page = await (await client.get(f"/listings/{remote.id}")).text()
    assert "From Kaiserplatz" in page and "(DE)" in page and "aachen.example" in page
    assert "Language: German" in page and 'lang="de"' in page
    distance = re.search(r'class="distance">([\d,.]+) km away', page)
    assert distance and 600 < float(distance.group(1).replace(",", "")) < 800
    status, body, _ = await api(client, "GET", f"/api/v1/listings/{remote.id}", token)
    assert status == 200 and 600_000 < body["distance_m"] < 800_000
    _, rows, _ = await api(client, "GET", "/api/v1/listings", token)
    assert [r["distance_m"] for r in rows if r["id"] == remote.id][0] == body["distance_m"]
    # Bob has no position: null, and no distance on the page.
    status, body, _ = await api(
        client, "GET", f"/api/v1/listings/{remote.id}", await make_token(node, bob.id)
    )
    assert body["distance_m"] is None
    client.session.cookie_jar.clear()
    await login(client, "bob")
    assert 'class="distance"' not in await (await client.get(f"/listings/{remote.id}")).text()
    # Visitors get no distance at all.
    client.session.cookie_jar.clear()
    response = await client.get(f"/api/v1/listings/{remote.id}")
    assert "distance_m" not in await response.json()
    # French readers see the language's French name.
    client.session.cookie_jar.clear()
    await login(client, "alice")
    client.session.cookie_jar.update_cookies({"q_lang": "fr"})
    page = await (await client.get(f"/listings/{remote.id}")).text()
    assert "Langue : allemand" in page


async def test_remote_event_page_and_json_show_language_and_distance(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    await _place(node, alice, ST_MALO)
    stub = await _remote_quarter(node)
    jonas = await _remote_author(node)
    draft = event_drafts.EventDraft.parse(event_body(reach="public"))
    event = await commit(node, events.schedule, alice.id, draft)
    await node.db.run(
        lambda: (
            Event.update(
                organiser=jonas.id,
                quarter=stub.id,
                language="de",
                lat=AACHEN[0],
                lon=AACHEN[1],
                external_ref="https://aachen.example/events/3",
                origin="aachen.example",
            )
            .where(Event.id == event.id)
            .execute()
        )
    )
    token = await make_token(node, alice.id)
    await login(client, "alice")
    page = await (await client.get(f"/events/{event.id}")).text()
    assert "From Kaiserplatz" in page and "Language: German" in page
    assert re.search(r'class="distance">[\d,.]+ km away', page)
    status, body, _ = await api(client, "GET", f"/api/v1/events/{event.id}", token)
    assert status == 200 and 600_000 < body["distance_m"] < 800_000
    _, rows, _ = await api(client, "GET", "/api/v1/events", token)
    assert [r["distance_m"] for r in rows if r["id"] == event.id] == [body["distance_m"]]
