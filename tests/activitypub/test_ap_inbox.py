"""The inbox against payloads shaped like Mastodon, Mobilizon, Pleroma, Lemmy and Mitra ones."""

import datetime as dt
import json

import aiohttp
import pytest
from ap_support import PUBLIC, Peer, publish_listing, start_node
from helpers import make_quarter, make_resident

from node.activitypub import keys
from node.activitypub.models import DomainBlock, Follower, InboxItem, RemoteActor
from node.activitypub.signatures import verify_request
from node.local.events.models import Event
from node.local.listings.models import Listing
from node.local.models import Comment, Resident
from node.local.moderation.models import Report


@pytest.fixture
async def fed(make_settings):
    node, runner = await start_node(make_settings, "a")
    peer = await Peer().start()
    quarter = await make_quarter(node)
    alice = await make_resident(node, "alice")
    yield node, peer, quarter, alice
    await peer.stop()
    await runner.cleanup()


def follow(peer, target, name="bob", n=1):
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{peer.base}/{name}#follows/{n}",
        "type": "Follow",
        "actor": peer.uri(name),
        "object": target,
    }


def reply(peer, parent, n=1, name="bob", text="<p>Is it still free?</p>"):
    """A Mastodon Create(Note) reply (shape of fixtures/mastodon create_note)."""
    note_id = f"{peer.base}/users/{name}/statuses/{n}"
    return {
        "@context": [
            "https://www.w3.org/ns/activitystreams",
            {"toot": "http://joinmastodon.org/ns#"},
        ],
        "id": note_id + "/activity",
        "type": "Create",
        "actor": peer.uri(name),
        "published": "2026-11-27T10:00:00Z",
        "to": [PUBLIC],
        "cc": [peer.uri(name) + "/followers"],
        "object": {
            "id": note_id,
            "type": "Note",
            "summary": None,
            "inReplyTo": parent,
            "published": "2026-11-27T10:00:00Z",
            "url": f"{peer.base}/@{name}/{n}",
            "attributedTo": peer.uri(name),
            "to": [PUBLIC],
            "cc": [peer.uri(name) + "/followers"],
            "sensitive": False,
            "content": text + '<script>alert("x")</script>',
            "contentMap": {"en": text},
            "attachment": [],
            "tag": [],
        },
    }


async def test_mastodon_follow_of_a_quarter_is_accepted_and_signed(fed):
    node, peer, quarter, _ = fed
    status, _ = await peer.post(node.urls.shared_inbox(), follow(peer, node.urls.quarter("centre")))
    assert status == 202
    await node.drain()
    rows = await node.db.run(lambda: list(Follower.select()))
    assert [(r.handle, r.state, r.shared_inbox) for r in rows] == [
        ("centre", "accepted", peer.base + "/inbox")
    ]
    # Given the Accept reached the follower's own inbox, then it verifies with the Group's key.
    path, headers, body = peer.received[-1]
    accept = json.loads(body)
    assert path == "/users/bob/inbox" and accept["type"] == "Accept"
    assert accept["object"]["id"] == f"{peer.base}/bob#follows/1"
    group = await aiohttp_get_json(node.urls.quarter("centre"))
    public = keys.load_public_key(group["publicKey"]["publicKeyPem"])
    now = dt.datetime.now(dt.UTC)
    assert verify_request("POST", path, headers, body, public, now) == node.urls.key("centre")


async def aiohttp_get_json(url, accept="application/activity+json"):
    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers={"Accept": accept}) as resp:
            assert resp.status == 200
            assert resp.headers["Vary"] == "Accept"
            return await resp.json(content_type=None)


async def test_quarter_that_approves_follows_keeps_them_pending(fed):
    node, peer, quarter, _ = fed
    await node.db.run(lambda: type(quarter).update(approve_follows=True).execute())
    await peer.post(node.urls.shared_inbox(), follow(peer, node.urls.quarter("centre")))
    await node.drain()
    rows = await node.db.run(lambda: list(Follower.select()))
    assert [r.state for r in rows] == ["pending"]
    assert [a["type"] for a in peer.activities()] == []


async def test_undo_follow_removes_the_follower(fed):
    node, peer, _, _ = fed
    f = follow(peer, node.urls.actor("alice"))
    await peer.post(node.urls.inbox("alice"), f)
    undo = {"id": f["id"] + "/undo", "type": "Undo", "actor": peer.uri("bob"), "object": f}
    assert (await peer.post(node.urls.inbox("alice"), undo))[0] == 202
    await node.drain()
    assert await node.db.run(lambda: Follower.select().count()) == 0


async def test_reply_to_a_listing_becomes_a_sanitised_comment(fed):
    node, peer, quarter, alice = fed
    listing = await publish_listing(node, alice, quarter)
    status, _ = await peer.post(
        node.urls.shared_inbox(), reply(peer, node.urls.listing(listing.id))
    )
    assert status == 202
    await node.drain()
    comments = await node.db.run(lambda: list(Comment.select()))
    assert len(comments) == 1
    assert comments[0].target_type == "listing" and comments[0].target_id == listing.id
    assert "Is it still free?" in comments[0].content_html
    assert "<script" not in comments[0].content_html
    author = await node.db.run(Resident.get_by_id, comments[0].author_id)
    assert (author.username, author.host) == ("bob", peer.host)
    # And a Pleroma-style Delete with a Tombstone removes it.
    note_id = f"{peer.base}/users/bob/statuses/1"
    delete = {
        "id": note_id + "#delete",
        "type": "Delete",
        "actor": peer.uri("bob"),
        "to": [PUBLIC],
        "object": {"id": note_id, "type": "Tombstone"},
    }
    assert (await peer.post(node.urls.shared_inbox(), delete))[0] == 202
    await node.drain()
    assert await node.db.run(lambda: Comment.select().count()) == 0


async def test_duplicate_activity_is_accepted_once(fed):
    node, peer, quarter, alice = fed
    listing = await publish_listing(node, alice, quarter)
    activity = reply(peer, node.urls.listing(listing.id))
    assert (await peer.post(node.urls.shared_inbox(), activity))[0] == 202
    assert (await peer.post(node.urls.shared_inbox(), activity))[0] == 202
    assert await node.db.run(lambda: InboxItem.select().count()) == 1


async def test_mobilizon_event_becomes_an_event(fed):
    node, peer, _, _ = fed
    peer.types["club"] = "Group"
    event_id = f"{peer.base}/events/5e6f"
    activity = {
        "id": event_id + "/activity",
        "type": "Create",
        "actor": peer.uri("bob"),
        "to": [PUBLIC],
        "object": {
            "id": event_id,
            "type": "Event",
            "url": event_id,
            "name": "Repair café",
            "content": "<p>Bring your toasters</p>",
            "mediaType": "text/html",
            "actor": peer.uri("bob"),
            "attributedTo": peer.uri("club"),
            "startTime": "2026-12-05T14:00:00+01:00",
            "endTime": "2026-12-05T18:00:00+01:00",
            "timezone": "Europe/Paris",
            "joinMode": "free",
            "maximumAttendeeCapacity": 30,
            "participantCount": 4,
            "category": "CRAFTS",
            "ical:status": "CONFIRMED",
            "location": {
                "type": "Place",
                "name": "Salle des fêtes",
                "address": {
                    "type": "PostalAddress",
                    "streetAddress": "1 rue de la Paix",
                    "postalCode": "35000",
                    "addressLocality": "Rennes",
                    "addressCountry": "FR",
                },
                "latitude": 48.11,
                "longitude": -1.68,
            },
            "to": [PUBLIC],
        },
    }
    assert (await peer.post(node.urls.shared_inbox(), activity))[0] == 202
    await node.drain()
    events = await node.db.run(lambda: list(Event.select()))
    assert len(events) == 1
    e = events[0]
    assert (e.title, e.city, e.capacity, e.category, e.reach) == (
        "Repair café",
        "Rennes",
        30,
        "CRAFTS",
        "public",
    )
    assert e.starts_at == dt.datetime(2026, 12, 5, 13, 0)  # stored as naive UTC
    assert e.participant_count == 4 and e.external_ref == event_id


async def test_mitra_style_listing_becomes_a_remote_listing(fed):
    node, peer, _, _ = fed
    note_id = f"{peer.base}/objects/bike"
    activity = {
        "id": note_id + "/create",
        "type": "Create",
        "actor": peer.uri("bob"),
        "to": [PUBLIC],
        "object": {
            "id": note_id,
            "type": "Note",
            "attributedTo": peer.uri("bob"),
            "name": "Bicycle",
            "content": "<p>Old bicycle to give</p>",
            "purpose": "offer",
            "publishes": {
                "id": note_id + "#primary",
                "type": "Intent",
                "action": "transfer",
                "resourceConformsTo": "https://www.wikidata.org/wiki/Q11442",
                "resourceQuantity": {"hasUnit": "one", "hasNumericalValue": "1"},
            },
            "location": {"type": "Place", "latitude": 48.1, "longitude": -1.6},
            "to": [PUBLIC],
        },
    }
    assert (await peer.post(node.urls.shared_inbox(), activity))[0] == 202
    await node.drain()
    rows = await node.db.run(lambda: list(Listing.select()))
    assert [(r.title, r.kind, r.type, r.origin, r.lat) for r in rows] == [
        ("Bicycle", "offer", "gift", peer.host, 48.1)
    ]


async def test_lemmy_announce_of_a_comment_from_a_followed_group(fed):
    node, peer, quarter, alice = fed
    listing = await publish_listing(node, alice, quarter)
    peer.types["repair"] = "Group"
    create = reply(peer, node.urls.listing(listing.id), n=7)
    announce = {
        "id": f"{peer.base}/activities/announce/1",
        "type": "Announce",
        "actor": peer.uri("repair"),
        "to": [PUBLIC],
        "cc": [peer.uri("repair") + "/followers"],
        "object": create,
    }
    assert (await peer.post(node.urls.shared_inbox(), announce, name="repair"))[0] == 202
    await node.drain()
    comments = await node.db.run(lambda: list(Comment.select()))
    assert [c.external_ref for c in comments] == [f"{peer.base}/users/bob/statuses/7"]


async def test_plain_announce_fetches_the_object_from_its_origin(fed, cleanup):
    node, peer, quarter, alice = fed
    listing = await publish_listing(node, alice, quarter)
    other = await Peer().start()
    cleanup.push_async_callback(other.stop)
    note = reply(other, node.urls.listing(listing.id), n=3)["object"]
    other.objects["n3"] = {**note, "id": f"{other.base}/objects/n3"}
    announce = {
        "id": f"{peer.base}/activities/announce/2",
        "type": "Announce",
        "actor": peer.uri("bob"),
        "object": f"{other.base}/objects/n3",
    }
    assert (await peer.post(node.urls.shared_inbox(), announce))[0] == 202
    await node.drain()
    comments = await node.db.run(lambda: list(Comment.select()))
    assert [c.external_ref for c in comments] == [f"{other.base}/objects/n3"]


async def test_update_person_refreshes_the_remote_resident(fed):
    node, peer, quarter, alice = fed
    listing = await publish_listing(node, alice, quarter)
    await peer.post(node.urls.shared_inbox(), reply(peer, node.urls.listing(listing.id)))
    await node.drain()
    doc = {**peer.actor("bob"), "name": "Robert"}
    update = {
        "id": peer.uri("bob") + "#updates/1",
        "type": "Update",
        "actor": peer.uri("bob"),
        "object": doc,
    }
    assert (await peer.post(node.urls.shared_inbox(), update))[0] == 202
    await node.drain()
    stub = await node.db.run(Resident.get, Resident.external_ref == peer.uri("bob"))
    assert stub.display_name == "Robert"


async def test_delete_of_an_actor_whose_key_is_gone_removes_its_data(fed):
    node, peer, quarter, alice = fed
    listing = await publish_listing(node, alice, quarter)
    await peer.post(node.urls.shared_inbox(), reply(peer, node.urls.listing(listing.id)))
    await node.drain()
    assert await node.db.run(lambda: Comment.select().count()) == 1
    # Given the actor is deleted at its origin (410) and our cached key is dropped…
    peer.gone.add("bob")
    await node.db.run(lambda: RemoteActor.update(key_id="").execute())
    delete = {
        "id": peer.uri("bob") + "#delete",
        "type": "Delete",
        "actor": peer.uri("bob"),
        "object": peer.uri("bob"),
    }
    # …then the Delete is accepted on the strength of the 410 and the resident's data goes.
    assert (await peer.post(node.urls.shared_inbox(), delete))[0] == 202
    await node.drain()
    assert await node.db.run(lambda: Comment.select().count()) == 0
    assert await node.db.run(lambda: Resident.select().where(Resident.host != "").count()) == 0
    # Any other activity signed with that gone key is refused.
    status, _ = await peer.post(
        node.urls.shared_inbox(), follow(peer, node.urls.actor("alice"), n=9)
    )
    assert status == 401


async def test_flag_reaches_the_quarter_moderators_as_a_report(fed):
    node, peer, quarter, alice = fed
    listing = await publish_listing(node, alice, quarter)
    flag = {
        "id": f"{peer.base}/reports/1",
        "type": "Flag",
        "actor": peer.uri("bob"),
        "content": "Spam",
        "object": [node.urls.actor("alice"), node.urls.listing(listing.id)],
    }
    assert (await peer.post(node.urls.shared_inbox(), flag))[0] == 202
    await node.drain()
    reports = await node.db.run(lambda: list(Report.select()))
    assert [(r.target_type, r.target_id, r.quarter_id, r.reason) for r in reports] == [
        ("listing", listing.id, quarter.id, "Spam")
    ]


async def test_unknown_pairs_and_likes_are_ignored_with_the_reason(fed):
    node, peer, _, _ = fed
    move = {
        "id": f"{peer.base}/m/1",
        "type": "Move",
        "actor": peer.uri("bob"),
        "object": peer.uri("bob"),
    }
    like = {
        "id": f"{peer.base}/l/1",
        "type": "Like",
        "actor": peer.uri("bob"),
        "object": node.urls.actor("alice"),
    }
    for activity in (move, like):
        assert (await peer.post(node.urls.shared_inbox(), activity))[0] == 202
    await node.drain()
    items = await node.db.run(
        lambda: {i.activity_id: (i.state, i.error) for i in InboxItem.select()}
    )
    assert items[move["id"]] == ("ignored", "no handler for Move/*")
    assert items[like["id"]][0] == "ignored"


async def test_rfc9421_signed_follow_is_accepted(fed):
    node, peer, _, _ = fed
    status, _ = await peer.post(
        node.urls.inbox("alice"), follow(peer, node.urls.actor("alice")), scheme="rfc9421"
    )
    assert status == 202


async def test_key_rotation_is_picked_up_with_one_refetch(fed):
    node, peer, _, _ = fed
    assert (await peer.post(node.urls.inbox("alice"), follow(peer, node.urls.actor("alice"))))[
        0
    ] == 202
    peer.key = keys.generate_private_key()
    peer.pem = keys.public_key_to_pem(peer.key)
    status, _ = await peer.post(
        node.urls.inbox("alice"), follow(peer, node.urls.actor("alice"), n=2)
    )
    assert status == 202


# ------------------------------------------------------------------ refusals


async def test_forged_and_malformed_requests_are_refused_with_reasons(fed):
    node, peer, _, _ = fed
    inbox = node.urls.shared_inbox()
    good = follow(peer, node.urls.actor("alice"))
    body = json.dumps(good).encode()
    forger = keys.generate_private_key()
    old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    cases = {
        "unsigned": (await peer.post(inbox, good, signed=False), 401),
        "malformed JSON": (await peer.post(inbox, None, raw=b"{not json"), 400),
        "not an activity": (await peer.post(inbox, None, raw=b"[1, 2]"), 400),
        "forged": (await peer.post(inbox, good, key=forger), 401),
        "replayed": (await peer.post(inbox, good, now=old), 401),
        "oversized": (await peer.post(inbox, None, raw=b" " * 1_000_001 + body), 413),
    }
    # A tampered body: signed for one body, sent with another.
    headers = peer.sign("bob", "POST", inbox, body)
    async with aiohttp.ClientSession() as session:
        async with session.post(
            inbox, data=body.replace(b"Follow", b"Block"), headers=headers
        ) as r:
            cases["tampered"] = ((r.status, await r.json()), 401)
    for name, ((status, answer), expected) in cases.items():
        assert status == expected, (name, answer)
        if expected != 413:
            assert answer["message"], name
    assert "digest" in cases["tampered"][0][1]["message"].lower()
    assert await node.db.run(lambda: InboxItem.select().count()) == 0


async def test_key_of_another_actor_is_refused(fed):
    node, peer, _, _ = fed
    # Signed with mallory's key, claiming to be bob.
    status, answer = await peer.post(
        node.urls.shared_inbox(),
        follow(peer, node.urls.actor("alice")),
        key_id=peer.key_id("mallory"),
    )
    assert status == 401 and "actor" in answer["message"]


async def test_spoofed_object_origin_is_refused(fed):
    node, peer, quarter, alice = fed
    listing = await publish_listing(node, alice, quarter)
    activity = reply(peer, node.urls.listing(listing.id))
    activity["object"]["id"] = "https://mastodon.example/users/victim/statuses/1"
    status, answer = await peer.post(node.urls.shared_inbox(), activity)
    assert status == 403 and "origin" in answer["message"]
    activity = reply(peer, node.urls.listing(listing.id), n=2)
    activity["object"]["attributedTo"] = "https://mastodon.example/users/victim"
    assert (await peer.post(node.urls.shared_inbox(), activity))[0] == 403


async def test_blocked_domain_is_accepted_and_dropped(fed):
    node, peer, _, _ = fed
    await node.db.run(lambda: DomainBlock.create(host=peer.host, reason="spam"))
    status, _ = await peer.post(node.urls.shared_inbox(), follow(peer, node.urls.actor("alice")))
    assert status == 202
    await node.drain()
    assert await node.db.run(lambda: InboxItem.select().count()) == 0
    assert await node.db.run(lambda: Follower.select().count()) == 0


async def test_private_key_locations_are_refused_without_the_test_switch(make_settings, cleanup):
    node, runner = await start_node(make_settings, "strict", allow_private_addresses=False)
    peer = await Peer().start()
    cleanup.push_async_callback(runner.cleanup)
    cleanup.push_async_callback(peer.stop)
    await make_resident(node, "alice", quarter=None)
    for kid in (
        peer.key_id("bob"),
        "http://10.1.2.3/users/bob#main-key",
        "http://localhost:9/k",
    ):
        status, answer = await peer.post(
            node.urls.shared_inbox(), follow(peer, node.urls.actor("alice")), key_id=kid
        )
        assert status == 401, answer
        assert "signing key unavailable" in answer["message"]
    async with aiohttp.ClientSession() as session:
        async with session.get(node.urls.absolute("/healthz")) as resp:
            assert resp.status == 200  # the node still serves
