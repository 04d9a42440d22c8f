"""Red team: read paths, CSRF on every page route, and tokens of suspended residents, attacked
through the real HTTP surface (aiohttp test client over loopback).

Each item is published by alice in quarter alpha with reach "quarter" and a unique marker in its
title and description; a visitor, an unverified resident, a resident of gamma and gamma's moderator
then try every read path the other helpers' matrix does not walk. The marker must never appear.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from account_support import browser, token_from
from helpers import api, make_quarter, make_resident, make_token, node_of

from node.web import routes

SECRET = "DoorCode4711"
AS = "application/activity+json"
PASSWORD = "correct horse"


async def world(client):
    node = node_of(client)
    await make_quarter(node, "alpha", "Alpha", ["35400"])
    await make_quarter(node, "gamma", "Gamma", ["35700"])
    alice = await make_resident(node, "alice", quarter="alpha")
    await make_resident(node, "carol", quarter="alpha")
    await make_resident(node, "newbie", quarter="alpha", verified=False)
    await make_resident(node, "gina", quarter="gamma")
    await make_resident(node, "gmod", quarter="gamma", role="moderator")
    token = await make_token(node, alice.id)
    status, listing, _ = await api(
        client,
        "POST",
        "/api/v1/listings",
        token,
        {
            "kind": "offer",
            "type": "loan",
            "title": f"Ladder {SECRET}",
            "description": f"In the cellar, code {SECRET}",
            "reach": "quarter",
        },
    )
    assert status == 201, listing
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=3)
    status, event, _ = await api(
        client,
        "POST",
        "/api/v1/events",
        token,
        {
            "title": f"Party {SECRET}",
            "description": f"Door code {SECRET}",
            "start": start.isoformat(),
            "end": (start + dt.timedelta(hours=2)).isoformat(),
            "timezone": "Europe/Paris",
            "reach": "quarter",
        },
    )
    assert status == 201, event
    return node, listing, event


VIEWERS = [None, "newbie", "gina", "gmod"]


async def session_of(client, username):
    session = browser(client)
    if username:
        token = await token_from(session, "/login")
        r = await session.post(
            "/login",
            data={"login": username, "password": PASSWORD, "csrf_token": token},
            allow_redirects=False,
        )
        assert r.status == 303
    return session


READ_PATHS = [
    "/@alice",
    "/@alpha",
    "/@alpha/outbox?page=true",
    "/@alice/outbox?page=true",
    "/feed.atom",
    "/feed.atom?quarter=alpha",
    "/calendar.ics",
    "/calendar.ics?quarter=alpha",
    "/map.geojson",
    "/map.geojson?quarter=alpha&bbox=-180,-90,180,90",
    "/map.geojson?bbox=-180,-90,180,90",
    "/map.geojson?form=features&zoom=19",
    "/?quarter=alpha",
    "/listings?q=Ladder",
    "/listings?quarter=alpha",
    "/events?quarter=alpha",
    "/api/v1/feed?quarter=alpha",
    "/api/v1/feed",
    "/map?quarter=alpha",
]


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_quarter_only_items_never_reach_outsiders_on_any_read_path(client, viewer):
    await world(client)
    leaks = []
    async with await session_of(client, viewer) as s:
        for path in READ_PATHS:
            for accept in ("text/html", AS):
                r = await s.get(path, headers={"Accept": accept})
                text = await r.text()
                assert r.status < 500, (path, r.status)
                if SECRET in text:
                    leaks.append((path, accept, r.status))
    assert leaks == []


@pytest.mark.parametrize("viewer", ["newbie", "gina", "gmod"])
async def test_api_queries_do_not_open_quarter_only_items(client, viewer):
    node, listing, event = await world(client)
    from node.local.models import Resident

    who = await node.db.run(lambda: Resident.get(Resident.username == viewer))
    token = await make_token(node, who.id)
    leaks = []
    for path in (
        "/api/v1/listings?q=Ladder",
        "/api/v1/listings?author=alice",
        "/api/v1/listings?scope=all",
        "/api/v1/listings?scope=twins&q=" + SECRET,
        "/api/v1/events?scope=all",
        f"/api/v1/listings/{listing['id']}",
        f"/api/v1/events/{event['id']}",
        "/api/v1/feed?quarter=alpha",
        "/api/v1/feed?quarter=alpha&kind=listing",
    ):
        status, body, response = await api(client, "GET", path, token)
        assert status < 500
        if SECRET in await response.text():
            leaks.append(path)
    assert leaks == []


# --- CSRF on every state-changing page route ------------------------------------------------


def _page_post_routes():
    skip = ("/api/", "/inbox", "/actor/inbox")
    for area in routes.AREAS:
        for method, path, _handler, _name in area:
            if method != "POST" or any(s in path for s in skip) or path.endswith("/inbox"):
                continue
            yield path


def _concrete(path: str) -> str:
    def value(match):
        name, _, pattern = match.group(1).partition(":")
        if "|" in pattern:
            return pattern.split("|")[0]
        return {"slug": "alpha", "token": "x" * 20}.get(name, "1")

    return re.sub(r"\{([^{}]+(?:\{[^}]*\}[^{}]*)*)\}", value, path)


POST_ROUTES = sorted({_concrete(p) for p in _page_post_routes()})


async def test_every_page_post_refuses_a_missing_or_foreign_csrf_token(client):
    """Logged in as the admin (every route reachable), each POST without the token or with a token
    of another session must answer 403 and change nothing."""
    node = node_of(client)
    await make_quarter(node, "alpha", "Alpha", ["35400"])
    await make_resident(node, "root", quarter="alpha", role="admin")
    await make_resident(node, "mallory", quarter="alpha")
    assert len(POST_ROUTES) > 40
    async with await session_of(client, "mallory") as attacker:
        foreign = await token_from(attacker, "/settings")
    sent = 0
    accepted = []
    async with await session_of(client, "root") as victim:
        for path in POST_ROUTES:
            if path in ("/logout",):
                continue
            for data in ({}, {"csrf_token": foreign}, {"csrf_token": ""}):
                for kind in ("form", "json"):
                    body = {"title": "x", "action": "hide", **data}
                    if kind == "form":
                        r = await victim.post(path, data=body, allow_redirects=False)
                    else:
                        r = await victim.post(path, json=body, allow_redirects=False)
                    sent += 1
                    if r.status != 403:
                        accepted.append((path, kind, data and "foreign", r.status))
        # still logged in: the refusals did not end the session
        assert (await victim.get("/settings", allow_redirects=False)).status == 200
    assert accepted == [], accepted
    assert sent >= 6 * 40


# --- suspension: API tokens ----------------------------------------------------------------


async def test_a_suspended_resident_cannot_publish_or_write_with_an_api_token(client):
    node = node_of(client)
    await make_quarter(node, "alpha", "Alpha", ["35400"])
    bob = await make_resident(node, "bob", quarter="alpha")
    alice = await make_resident(node, "alice", quarter="alpha")
    await make_resident(node, "amod", quarter="alpha", role="moderator")
    bob_token = await make_token(node, bob.id)
    alice_token = await make_token(node, alice.id)
    status, alices, _ = await api(
        client,
        "POST",
        "/api/v1/listings",
        alice_token,
        {"kind": "offer", "type": "loan", "title": "Drill", "reach": "quarter"},
    )
    assert status == 201
    async with await session_of(client, "amod") as mod:
        token = await token_from(mod, "/moderation")
        r = await mod.post(
            "/moderation/act",
            data={
                "csrf_token": token,
                "target_type": "resident",
                "target_id": str(bob.id),
                "action": "suspend",
                "reason": "spam",
            },
            allow_redirects=False,
        )
        assert r.status == 303
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=3)
    attempts = {
        "listing": ("/api/v1/listings", {"kind": "offer", "type": "loan", "title": "Spam"}),
        "event": (
            "/api/v1/events",
            {
                "title": "Spam",
                "start": start.isoformat(),
                "end": (start + dt.timedelta(hours=1)).isoformat(),
                "timezone": "Europe/Paris",
            },
        ),
        "message": ("/api/v1/messages", {"to": "alice", "text": "Spam"}),
        "loan": (
            f"/api/v1/listings/{alices['id']}/loans",
            {
                "from": str(dt.date.today() + dt.timedelta(days=2)),
                "until": str(dt.date.today() + dt.timedelta(days=3)),
            },
        ),
    }
    got = {}
    for name, (path, body) in attempts.items():
        status, answer, _ = await api(client, "POST", path, bob_token, body)
        got[name] = status
    assert all(status in (401, 403) for status in got.values()), got


# --- a request that started before a sanction must not undo it ------------------------------


async def test_an_address_save_in_flight_does_not_undo_a_suspension_or_a_demotion(
    aiohttp_server, make_settings, aiohttp_client
):
    """bob (a moderator) saves his address; while the node asks its geocoder (a loopback server
    that answers when told), the admin demotes and suspends him. The save must then write the
    address only, not the whole row as bob's request read it (role, suspension, verification)."""
    import asyncio

    from aiohttp import web

    from node.app import create_app
    from node.local.models import Resident

    asked, answer = asyncio.Event(), asyncio.Event()

    async def search(request):
        asked.set()
        await answer.wait()
        return web.json_response([{"lat": "48.11", "lon": "-1.68"}])

    geo = web.Application()
    geo.router.add_get("/search", search)
    geo_server = await aiohttp_server(geo)
    settings = make_settings(geocoder_url=str(geo_server.make_url("/search")))
    client = await aiohttp_client(create_app(settings))
    node = node_of(client)
    await make_quarter(node, "alpha", "Alpha", ["35400"])
    bob = await make_resident(node, "bob", quarter="alpha", role="moderator")
    await make_resident(node, "root", quarter="alpha", role="admin")
    async with await session_of(client, "bob") as bobs, await session_of(client, "root") as root:
        token = await token_from(bobs, "/settings/address")
        held = asyncio.ensure_future(
            bobs.post(
                "/settings/address",
                data={"csrf_token": token, "address": "1 rue Haute", "postcode": "35400"},
                allow_redirects=False,
            )
        )
        await asyncio.wait_for(asked.wait(), 20)  # bob's row is read; the geocoder is asked
        admin_token = await token_from(root, "/admin/residents")
        r = await root.post(
            f"/admin/residents/{bob.id}/role",
            data={"csrf_token": admin_token, "role": "resident"},
            allow_redirects=False,
        )
        assert r.status == 303
        r = await root.post(
            "/moderation/act",
            data={
                "csrf_token": admin_token,
                "target_type": "resident",
                "target_id": str(bob.id),
                "action": "suspend",
                "reason": "abuse",
            },
            allow_redirects=False,
        )
        assert r.status == 303
        answer.set()
        response = await held
        assert response.status < 500
    after = await node.db.run(Resident.get_by_id, bob.id)
    assert after.postcode == "35400"  # the address itself is saved
    assert after.role == "resident"
    assert after.suspended_until is not None


async def test_a_reported_message_stays_with_its_quarter_and_out_of_organisations(client):
    """alice and bob (alpha) write; alice reports bob's message. gamma's moderator and the
    manager of an organisation of alpha try every way to the conversation: nothing shows."""
    from factories import make_organisation

    node = node_of(client)
    await make_quarter(node, "alpha", "Alpha", ["35400"])
    await make_quarter(node, "gamma", "Gamma", ["35700"])
    alice = await make_resident(node, "alice", quarter="alpha")
    bob = await make_resident(node, "bob", quarter="alpha")
    manager = await make_resident(node, "oscar", quarter="alpha")
    await make_organisation(node, manager)
    gmod = await make_resident(node, "gmod", quarter="gamma", role="moderator")
    ta, tb = await make_token(node, alice.id), await make_token(node, bob.id)
    status, first, _ = await api(
        client, "POST", "/api/v1/messages", ta, {"to": "bob", "text": "Hi"}
    )
    assert status == 201, first
    status, rude, _ = await api(
        client, "POST", "/api/v1/messages", tb, {"to": "alice", "text": f"Rude {SECRET}"}
    )
    assert status == 201, rude
    status, _report, _ = await api(
        client,
        "POST",
        "/api/v1/reports",
        ta,
        {"target_type": "message", "target_id": rude["id"], "reason": "rude"},
    )
    assert status == 201
    conversation = rude["conversation_id"]
    leaks = []
    for who in (gmod, manager):
        token = await make_token(node, who.id)
        for path in (
            f"/api/v1/conversations/{conversation}",
            "/api/v1/conversations",
        ):
            status, _body, response = await api(client, "GET", path, token)
            if SECRET in await response.text():
                leaks.append((who.username, path))
        async with await session_of(client, who.username) as s:
            for path in (f"/messages/{conversation}", "/messages", "/moderation", "/notifications"):
                r = await s.get(path)
                if SECRET in await r.text():
                    leaks.append((who.username, path))
            token = await token_from(s, "/messages")
            r = await s.post(
                "/moderation/act",
                data={
                    "csrf_token": token,
                    "target_type": "message",
                    "target_id": str(rude["id"]),
                    "action": "remove",
                    "reason": "x",
                },
                allow_redirects=False,
            )
            assert r.status in (403, 404), (who.username, r.status)
    assert leaks == []
