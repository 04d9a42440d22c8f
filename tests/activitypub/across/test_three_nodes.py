"""Three real nodes: twinning accepted and refused, reach addressing, updates, deletions, trust."""

import aiohttp
import pytest
from three_nodes import publish, settle, start_site, twin

from node import following
from node.activitypub import trust
from node.activitypub.models import Delivery
from node.commit import commit
from node.local import twins
from node.local.listings import drafts as listing_drafts
from node.local.listings import write as listings
from node.local.listings.models import Listing


@pytest.fixture
async def sites(make_settings):
    started = [await start_site(make_settings, code) for code in ("fr", "de", "it")]
    yield started
    for site in started:
        await site.runner.cleanup()


def titles(site):
    return site.node.db.run(
        lambda: sorted(
            (r.title, r.reach) for r in Listing.select().where(Listing.external_ref.is_null(False))
        )
    )


def twin_states(site):
    return site.node.db.run(lambda: sorted((t.direction, t.state) for t in twins.Twin.select()))


async def api(site, method, path, json=None):
    async with aiohttp.ClientSession() as session:
        async with session.request(
            method,
            site.node.urls.base + path,
            json=json,
            headers={"Authorization": f"Bearer {site.token}"},
        ) as resp:
            return resp.status, await resp.json()


async def test_twinning_through_the_api_is_accepted_on_both_sides(sites):
    fr, de, it = sites
    from helpers import make_token

    resident_token = await make_token(fr.node, fr.resident.id)
    async with aiohttp.ClientSession() as session:
        async with session.post(
            fr.node.urls.base + "/api/v1/twins",
            json={"quarter": "saint_servan", "handle": de.handle},
            headers={"Authorization": f"Bearer {resident_token}"},
        ) as resp:
            assert resp.status == 403  # residents do not twin quarters
    status, body = await api(
        fr, "POST", "/api/v1/twins", {"quarter": "saint_servan", "handle": de.handle}
    )
    assert status == 201
    assert (body["quarter"], body["handle"], body["state"], body["direction"]) == (
        "saint_servan",
        de.handle,
        "requested",
        "outgoing",
    )
    await settle(fr, de)
    status, asked = await api(de, "GET", "/api/v1/twins")
    assert [(t["direction"], t["state"], t["country"]) for t in asked] == [
        ("incoming", "requested", "FR")
    ]
    # the Italian moderator may not decide for Burtscheid
    status, _ = await api(it, "POST", f"/api/v1/twins/{asked[0]['id']}/accept")
    assert status == 404  # it has no such request at all
    status, body = await api(de, "POST", f"/api/v1/twins/{asked[0]['id']}/accept")
    assert status == 200 and body["state"] == "accepted"
    await settle(fr, de)
    assert await twin_states(fr) == [("outgoing", "accepted")]
    assert await twin_states(de) == [("incoming", "accepted")]
    status, body = await api(fr, "GET", "/api/v1/twins")
    assert body[0]["state"] == "accepted" and body[0]["country"] == "DE"


async def test_a_resident_cannot_decide_and_a_refusal_reaches_the_asker(sites):
    fr, de, it = sites
    from node.local.errors import NotAllowed

    await following.request_twin(it.node, it.moderator.id, "trastevere", de.handle)
    await settle(it, de)
    asked = await de.node.db.run(lambda: twins.Twin.get())
    with pytest.raises(NotAllowed):
        await commit(de.node, twins.decide, de.resident.id, asked.id, True)
    await commit(de.node, twins.decide, de.moderator.id, asked.id, False)
    await settle(it, de)
    assert await twin_states(it) == [("outgoing", "refused")]
    assert await twin_states(de) == [("incoming", "refused")]


async def test_each_reach_reaches_exactly_the_right_nodes(sites):
    fr, de, it = sites
    await twin(fr, de)
    # the Italian node simply follows the French quarter (no twinning)
    await following.follow(it.node, "trastevere", fr.handle)
    await settle(*sites)
    await publish(fr, "Perceuse publique", "public")
    await publish(fr, "Échelle pour les jumeaux", "twins")
    await publish(fr, "Tondeuse du quartier", "quarter")
    await settle(*sites)
    assert await titles(de) == [
        ("Perceuse publique", "public"),
        ("Échelle pour les jumeaux", "twins"),
    ]
    assert await titles(it) == [("Perceuse publique", "public")]
    # twins items are addressed to the twin's Group only: not Public, not followers
    bodies = await fr.node.db.run(lambda: [bytes(d.body) for d in Delivery.select()])
    twins_bodies = [b for b in bodies if b"jumeaux" in b]
    assert twins_bodies and all(
        b"#Public" not in b and b"/followers" not in b for b in twins_bodies
    )
    # German residents see the twins item in scope=twins; the feed gives its origin
    token = de.token
    async with aiohttp.ClientSession() as session:
        url = de.node.urls.base + "/api/v1/feed?scope=twins"
        async with session.get(url, headers={"Authorization": f"Bearer {token}"}) as resp:
            feed = await resp.json()
        url = de.node.urls.base + "/api/v1/listings?scope=quarter"
        async with session.get(url, headers={"Authorization": f"Bearer {token}"}) as resp:
            mine = await resp.json()
    assert sorted(i["title"] for i in feed) == ["Perceuse publique", "Échelle pour les jumeaux"]
    item = next(i for i in feed if i["title"] == "Échelle pour les jumeaux")
    assert item["origin"] == fr.node.urls.host and item["ap_id"].startswith(fr.node.urls.base)
    assert item["origin_country"] == "FR" and item["origin_quarter"] == "Saint-Servan"
    assert mine == []


async def test_update_and_withdrawal_propagate(sites):
    fr, de, it = sites
    await twin(fr, de)
    listing = await publish(fr, "Vélo cargo", "twins")
    await settle(fr, de)
    changes = listing_drafts.ListingDraft.parse_changes({"title": "Vélo cargo électrique"})
    await commit(fr.node, listings.edit, fr.resident.id, listing.id, changes)
    await settle(fr, de)
    assert await titles(de) == [("Vélo cargo électrique", "twins")]
    await commit(fr.node, listings.withdraw, fr.resident.id, listing.id)
    await settle(fr, de)
    assert await titles(de) == []


async def test_blocked_node_and_allow_list_refuse(sites):
    fr, de, it = sites
    await following.follow(de.node, "burtscheid", fr.handle)
    await following.follow(it.node, "trastevere", fr.handle)
    await settle(*sites)
    # the French node blocks the Italian one, and turns the allow-list on with only the German one
    await fr.node.db.atomic(trust.block, it.node.urls.host, "spam")
    await publish(fr, "Bloqué pour l'Italie", "public")
    await settle(*sites)
    assert await titles(it) == []
    assert await titles(de) == [("Bloqué pour l'Italie", "public")]
    await fr.node.db.atomic(trust.unblock, it.node.urls.host)
    await fr.node.db.atomic(trust.set_allow_list, True)
    await fr.node.db.atomic(trust.allow, de.node.urls.host)
    await publish(fr, "Seulement l'Allemagne", "public")
    await settle(*sites)
    assert [t for t, _ in await titles(it)] == []
    assert "Seulement l'Allemagne" in [t for t, _ in await titles(de)]
    # the Italian node's own activities are refused by the French inbox with 403
    from ap_support import Peer

    peer = await Peer().start()
    try:
        status, body = await peer.post(
            fr.node.urls.base + "/inbox",
            {
                "id": peer.uri("bob") + "#follow",
                "type": "Follow",
                "actor": peer.uri("bob"),
                "object": fr.node.urls.quarter("saint_servan"),
            },
        )
        assert status == 403
    finally:
        await peer.stop()


async def test_key_rotation_is_announced_and_the_receiver_refetches(sites):
    fr, de, it = sites
    from node.activitypub.models import RemoteActor
    from node.activitypub.rotation import rotate_key

    await following.follow(de.node, "burtscheid", fr.handle)
    await settle(fr, de)
    before = await de.node.db.run(
        lambda: (
            RemoteActor.get(RemoteActor.uri == fr.node.urls.quarter("saint_servan")).public_key_pem
        )
    )
    sent = await commit(fr.node, rotate_key, fr.node, "saint_servan")
    assert sent == 1
    await settle(fr, de)
    after = await de.node.db.run(
        lambda: (
            RemoteActor.get(RemoteActor.uri == fr.node.urls.quarter("saint_servan")).public_key_pem
        )
    )
    assert after != before
    # and what the quarter sends next is still accepted
    await publish(fr, "Après rotation", "public")
    await settle(fr, de)
    assert [t for t, _ in await titles(de)] == ["Après rotation"]


async def test_account_deletion_reaches_every_node_that_knew_the_actor(sites):
    fr, de, it = sites
    from node.local.models import Resident

    await twin(fr, de)
    await following.follow(it.node, "trastevere", fr.handle)
    await settle(*sites)
    await publish(fr, "Pour les jumeaux", "twins")
    await publish(fr, "Pour tous", "public")
    await settle(*sites)
    assert len(await titles(de)) == 2 and len(await titles(it)) == 1
    from node.local.accounts import profile as accounts

    await commit(fr.node, accounts.delete_account, fr.resident.id, "correct horse")
    await settle(*sites)
    for site in (de, it):
        assert await titles(site) == []
        gone = await site.node.db.run(
            lambda: Resident.select().where(Resident.username == "resident_fr").count()
        )
        assert gone == 0


async def test_the_home_page_shows_twins_items_with_origin_language_and_distance(sites):
    from three_nodes import logged_in_session

    fr, de, it = sites
    await twin(fr, de)
    await publish(fr, "Pompe à vélo", "twins")
    await settle(fr, de)
    session = await logged_in_session(de, "resident_de")
    try:
        async with session.get(de.node.urls.base + "/?scope=twins") as resp:
            page = await resp.text()
        async with session.get(de.node.urls.base + "/?scope=quarter") as resp:
            mine = await resp.text()
    finally:
        await session.close()
    assert "Pompe à vélo" in page and "Saint-Servan, FR" in page
    assert "Pompe à vélo" not in mine
    # an Italian resident (not twinned) never sees it
    session = await logged_in_session(it, "resident_it")
    try:
        async with session.get(it.node.urls.base + "/") as resp:
            assert "Pompe à vélo" not in await resp.text()
    finally:
        await session.close()


async def test_resolve_and_languages(sites):
    fr, de, it = sites
    await twin(fr, de)
    public = await publish(fr, "Brouette", "public", language="fr")
    await settle(fr, de)
    url = fr.node.urls.listing(public.id)
    status, body = await api(it, "POST", "/api/v1/resolve", {"uri": url})
    assert status == 200 and body["type"] == "listing" and body["ap_id"] == url
    assert body["origin"] == fr.node.urls.host
    status, listing = await api(it, "GET", f"/api/v1/listings/{body['id']}")
    assert (
        status == 200 and listing["title"] == "Brouette" and listing["origin"] == fr.node.urls.host
    )
    status, body = await api(it, "POST", "/api/v1/resolve", {"uri": fr.handle})
    assert (
        status == 200
        and body["type"] == "quarter"
        and body["ap_id"] == fr.node.urls.quarter("saint_servan")
    )
    status, body = await api(
        it, "POST", "/api/v1/resolve", {"uri": f"@resident_fr@{fr.node.urls.host}"}
    )
    assert status == 200 and body["type"] == "resident"
    status, body = await api(it, "POST", "/api/v1/resolve", {"uri": f"@nobody@{fr.node.urls.host}"})
    assert status == 404 and body["message"]
    status, body = await api(it, "POST", "/api/v1/resolve", {"uri": ""})
    assert status == 422
    # the German moderator reads only German: the French listing leaves the lists and the feed
    status, listed = await api(de, "GET", "/api/v1/listings?scope=twins")
    assert [i["title"] for i in listed] == ["Brouette"]
    status, body = await api(de, "PUT", "/api/v1/me/languages", {"languages": "de"})
    assert status == 200 and body == {"languages": ["de"]}
    status, listed = await api(de, "GET", "/api/v1/listings?scope=twins")
    assert listed == []
    status, feed = await api(de, "GET", "/api/v1/feed")
    assert "Brouette" not in [i["title"] for i in feed]
    status, body = await api(de, "GET", "/api/v1/listings?scope=nowhere")
    assert status == 400 and "nearby" in body["message"]
