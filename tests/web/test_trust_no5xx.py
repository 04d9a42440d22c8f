"""No 5xx for any input: one regression test per cause seen in issue #8, through the HTTP surface."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re

import aiohttp
import pytest
from factories import event_body, make_listing
from helpers import csrf_token, login, make_quarter, make_resident, make_token, node_of

from node.commit import commit
from node.local import announcements, residents
from node.local.events.models import Event
from node.local.listings.models import Listing

HUGE = str(10**23)
DEEP = b"[" * 20_000 + b"]" * 20_000
DEEP_OBJECT = b'{"a":' * 20_000 + b"1" + b"}" * 20_000
ID_PARAM = re.compile(r"\{(id|rid|photo)(:[^}]*)?\}")


async def _seed(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    admin = await make_resident(node, "alma", role="admin")
    return node, alice, admin, await make_token(node, alice.id)


def _id_routes(app) -> list[tuple[str, str]]:
    """Every (method, path) of the router with an id parameter, the ids replaced by 10**23."""
    found = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("formatter", "")
        if route.method in {"GET", "POST", "PATCH", "PUT", "DELETE"} and "{" in path:
            raw = route.resource.canonical
            if ID_PARAM.search(raw):
                path = ID_PARAM.sub(HUGE, raw)
                path = re.sub(r"\{action[^}]*\}", "done", path)
                path = re.sub(r"\{verb[^}]*\}", "accept", path)
                found.add((route.method, path.replace("\\", "")))
    return sorted(found)


async def test_ids_like_10_to_the_23_answer_404_on_every_route(client):
    node, alice, admin, token = await _seed(client)
    routes = _id_routes(client.server.app)
    assert len(routes) >= 55, routes  # the issue saw OverflowError on ~60 routes
    bearer = {"Authorization": f"Bearer {token}"}
    await login(client, "alma")
    csrf = await csrf_token(client, "/settings")
    seen = {}
    for method, path in routes:
        headers = dict(bearer) if path.startswith("/api/") else {"X-CSRF-Token": csrf}
        kwargs = {"json": {}} if path.startswith("/api/") and method != "GET" else {}
        if not path.startswith("/api/") and method == "POST":
            kwargs = {"data": {"csrf_token": csrf}}
        response = await client.request(
            method, path, headers=headers, allow_redirects=False, **kwargs
        )
        seen[(method, path)] = response.status
    wrong = {k: v for k, v in seen.items() if v != 404}
    assert wrong == {}


async def test_huge_numbers_in_query_and_body_are_refused_with_a_message(client):
    node, alice, admin, token = await _seed(client)
    bearer = {"Authorization": f"Bearer {token}"}
    for path in ("/api/v1/listings", "/api/v1/events", "/api/v1/loans"):
        response = await client.get(f"{path}?before={HUGE}", headers=bearer)
        assert response.status in (400, 422), path
        assert "before" in (await response.json())["message"]
    await login(client, "alice")
    for path in ("/listings", "/?before=2030-01-01T00:00:00~listing~" + HUGE, "/events"):
        response = await client.get(path + ("" if "?" in path else f"?before={HUGE}"))
        assert response.status < 500, path
    response = await client.post("/api/v1/events", json=event_body(capacity=10**30), headers=bearer)
    assert response.status == 422
    assert "capacity" in (await response.json())["fields"]
    for target in ({"target_id": 10**30}, {"target_id": -(2**63)}):
        body = {"target_type": "listing", "reason": "spam", **target}
        response = await client.post("/api/v1/reports", json=body, headers=bearer)
        assert response.status == 404
    listing = await make_listing(node, alice, reach="public")
    message = {"to": "alma", "text": "hello", "listing": 10**30, "loan": 2**40}
    response = await client.post("/api/v1/messages", json=message, headers=bearer)
    assert response.status == 201, await response.text()
    response = await client.post(
        f"/api/v1/listings/{listing.id}/loans",
        json={"from": "9999-12-31", "until": "9999-12-31"},
        headers=bearer,
    )
    assert response.status == 422


@pytest.mark.parametrize("year", ["0001", "9999"])
async def test_years_0001_and_9999_are_refused_at_input(client, year):
    node, alice, admin, token = await _seed(client)
    body = event_body(start=f"{year}-12-31T23:00", end=f"{year}-12-31T23:30")
    body["timezone"] = "Pacific/Kiritimati"
    response = await client.post(
        "/api/v1/events", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status == 422
    assert set((await response.json())["fields"]) >= {"start", "end"}
    assert await node.db.run(lambda: Event.select().count()) == 0


async def test_json_nested_20000_deep_is_a_400_on_every_json_endpoint_and_the_inbox(client):
    node, alice, admin, token = await _seed(client)
    bearer = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    listing = await make_listing(node, alice, reach="public")
    posts = [
        ("POST", "/api/v1/listings"),
        ("PATCH", f"/api/v1/listings/{listing.id}"),
        ("POST", f"/api/v1/listings/{listing.id}/loans"),
        ("POST", "/api/v1/events"),
        ("POST", "/api/v1/messages"),
        ("POST", "/api/v1/reports"),
        ("POST", "/api/v1/blocks"),
        ("POST", "/api/v1/twins"),
        ("POST", "/api/v1/resolve"),
        ("PUT", "/api/v1/me/languages"),
    ]
    for method, path in posts:
        for body in (DEEP, DEEP_OBJECT):
            response = await client.request(method, path, data=body, headers=bearer)
            assert response.status == 400, (method, path, response.status)
            assert (await response.json())["error"] == "bad_request"
    for inbox in ("/inbox", "/@alice/inbox"):
        for body in (DEEP, DEEP_OBJECT):
            response = await client.post(
                inbox, data=body, headers={"Content-Type": "application/activity+json"}
            )
            assert response.status == 400, inbox


async def test_a_lone_surrogate_in_a_title_is_removed_at_input(client):
    node, alice, admin, token = await _seed(client)
    body = {
        "kind": "offer",
        "type": "gift",
        "title": "Chairs \ud800for\x00 free\udfff",
        "description": "Two\x07 chairs\n\tnearly new",
    }
    raw = json.dumps(body)  # ASCII with \ud800 escapes: what an attacker sends
    response = await client.post(
        "/api/v1/listings",
        data=raw,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status == 201, await response.text()
    created = await response.json()
    assert created["title"] == "Chairs for free"
    stored = await node.db.run(lambda: Listing.get_by_id(created["id"]))
    assert stored.title == "Chairs for free"
    await login(client, "alice")
    page = await client.get(f"/listings/{created['id']}")
    assert page.status == 200 and "Chairs for free" in await page.text()
    # the same surrogate sent as raw (invalid) UTF-8 bytes, as json.loads reads them
    raw = b'{"kind": "offer", "type": "gift", "title": "Table \xed\xa0\x80ok"}'
    response = await client.post(
        "/api/v1/listings",
        data=raw,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status == 201 and (await response.json())["title"] == "Table ok"


async def test_an_event_at_the_end_of_year_9999_in_kiritimati_never_breaks_the_calendar(client):
    node, alice, admin, token = await _seed(client)

    def events():
        extreme = Event.create(  # as an older version or a peer could have stored it
            organiser=alice.id,
            quarter=alice.quarter_id,
            title="End of time",
            starts_at=dt.datetime(9999, 12, 31, 23, 0),
            ends_at=dt.datetime(9999, 12, 31, 23, 30),
            timezone="Pacific/Kiritimati",
            reach="public",
        )
        normal = Event.create(
            organiser=alice.id,
            quarter=alice.quarter_id,
            title="Street party",
            starts_at=dt.datetime(2030, 6, 21, 16, 0),
            ends_at=dt.datetime(2030, 6, 21, 20, 0),
            timezone="Europe/Paris",
            reach="public",
        )
        return extreme, normal

    extreme, normal = await node.db.run(events)
    await login(client, "alice")
    response = await client.get("/calendar.ics?quarter=centre")
    assert response.status == 200
    text = (await response.text()).replace("\r\n ", "")
    assert "SUMMARY:Street party" in text
    assert "DTSTART;TZID=Europe/Paris:20300621T180000" in text
    response = await client.get(f"/events/{extreme.id}.ics")
    assert response.status == 200
    assert "DTSTART:99991231T230000Z" in await response.text()  # no local time past year 9999


async def test_the_home_page_with_an_announcement_and_a_placed_resident(client):
    node, alice, admin, token = await _seed(client)
    await commit(node, residents.place, alice, "1 rue des Lilas", "35400", "Saint-Malo", 48.6, -2.0)
    await commit(node, announcements.publish, admin.id, "Market on Sunday", "Bring bags")
    await login(client, "alice")
    response = await client.get("/")
    assert response.status == 200
    assert "Market on Sunday" in await response.text()


async def _post_empty_file(client, path, page, field, **fields):
    form = aiohttp.FormData()
    form.add_field("csrf_token", await csrf_token(client, page))
    for name, value in fields.items():
        form.add_field(name, value)
    # what a browser sends for a file input left empty
    form.add_field(field, b"", filename="", content_type="application/octet-stream")
    return await client.post(path, data=form, allow_redirects=False)


async def test_forms_without_a_file_answer_a_form_error_or_succeed(client):
    node, alice, admin, token = await _seed(client)
    await login(client, "alma")
    response = await _post_empty_file(client, "/settings/avatar", "/settings", "avatar")
    assert response.status == 400
    assert "error" in await response.text()
    response = await _post_empty_file(
        client,
        "/admin/quarters",
        "/admin/quarters",
        "boundary",
        slug="nord",
        name="Nord",
        postcodes="35000",
    )
    assert response.status == 303  # a boundary is optional
    assert response.headers["Location"] == "/admin/quarters/nord"


async def test_every_response_carries_a_request_id(client):
    await _seed(client)
    first = await client.get("/")
    second = await client.get("/api/v1/listings/1")
    assert re.fullmatch(r"[0-9a-f]{16}", first.headers["X-Request-Id"])
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]
    kept = await client.get("/", headers={"X-Request-Id": "proxy-abc-123"})
    assert kept.headers["X-Request-Id"] == "proxy-abc-123"
    forged = await client.get("/", headers={"X-Request-Id": "a\u00e9<b>"})
    assert re.fullmatch(r"[0-9a-f]{16}", forged.headers["X-Request-Id"])


async def test_a_5xx_is_logged_with_its_request_id_and_nothing_is_half_written(
    client, monkeypatch, caplog
):
    """A failure after the domain wrote (here: recording deliveries) rolls the listing back."""
    node, alice, admin, token = await _seed(client)
    from node.activitypub import outbox

    def broken(*args, **kwargs):
        raise RuntimeError("delivery table on fire")

    monkeypatch.setattr(outbox, "record", broken)
    body = {"kind": "offer", "type": "gift", "title": "Chairs", "description": "Two"}
    with caplog.at_level(logging.ERROR, logger="quartier.web"):
        response = await client.post(
            "/api/v1/listings", json=body, headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status == 500
    answer = await response.json()
    rid = response.headers["X-Request-Id"]
    assert answer["error"] == "internal" and answer["request_id"] == rid
    assert rid in answer["message"] and "fire" not in answer["message"]
    assert any(rid in r.getMessage() and r.exc_info for r in caplog.records)
    assert await node.db.run(lambda: Listing.select().count()) == 0

    await login(client, "alice")
    form = {
        "csrf_token": await csrf_token(client, "/listings/new"),
        **body,
        "reach": "quarter",
    }
    response = await client.post("/listings?lang=fr", data=form)
    assert response.status == 500
    page = await response.text()
    rid = response.headers["X-Request-Id"]
    assert "Quelque chose s’est mal passé" in page and rid in page
    assert await node.db.run(lambda: Listing.select().count()) == 0


async def test_a_peer_answering_json_nested_20000_deep_gets_a_4xx_not_a_crash(
    aiohttp_client, make_settings
):
    """The key fetch of a signed inbox POST reads the peer's actor: deep JSON there is refused too."""
    from aiohttp import web

    from node.activitypub import keys
    from node.activitypub.signatures import sign_request
    from node.app import create_app

    async def deep(request):
        return web.Response(body=DEEP, content_type="application/activity+json")

    peer_app = web.Application()
    peer_app.router.add_get("/users/{name}", deep)
    peer = await aiohttp_client(peer_app)
    base = f"http://127.0.0.1:{peer.port}"
    app = create_app(make_settings(allow_private_addresses=True, allow_http=True))
    client = await aiohttp_client(app)
    activity = {
        "id": f"{base}/activities/1",
        "type": "Follow",
        "actor": f"{base}/users/bob",
        "object": "http://127.0.0.1:8080/@alice",
    }
    body = json.dumps(activity).encode()
    headers = {"Content-Type": "application/activity+json"}
    key = keys.generate_private_key()
    url = f"http://127.0.0.1:{client.port}/inbox"
    now = dt.datetime.now(dt.UTC)
    headers.update(sign_request(key, f"{base}/users/bob#main-key", "POST", url, headers, body, now))
    response = await client.post("/inbox", data=body, headers=headers)
    assert 400 <= response.status < 500, await response.text()
