"""Forgery across servers (issue #8): embedded activities and objects vouched for by nobody.

Three real servers on loopback: our node, a victim server V with a listing stored here, and
Mallory's server M. Every request is really signed; what Mallory sends is the hostile input.
"""

import pytest
from ap_support import PUBLIC, Peer, publish_listing, start_node
from helpers import make_quarter, make_resident

from node.activitypub.models import InboxItem
from node.local.events.models import Event
from node.local.listings.models import Listing
from node.local.messages.models import Message
from node.local.models import Comment, Quarter


@pytest.fixture
async def three(make_settings):
    node, runner = await start_node(make_settings, "a")
    victim = await Peer().start()
    mallory = await Peer().start()
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    yield node, victim, mallory, alice
    await mallory.stop()
    await victim.stop()
    await runner.cleanup()


def listing_note(peer, name="victor", n=1, title="Cargo bike to lend", **extra):
    note_id = f"{peer.base}/objects/bike{n}"
    return {
        "id": note_id,
        "type": "Note",
        "attributedTo": peer.uri(name),
        "name": title,
        "content": "<p>A cargo bike</p>",
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
        "published": "2026-11-27T10:00:00Z",
        **extra,
    }


def wrap(kind, peer, name, obj, n=1):
    return {
        "id": f"{peer.base}/activities/{kind.lower()}/{name}/{n}",
        "type": kind,
        "actor": peer.uri(name),
        "to": [PUBLIC],
        "object": obj,
    }


async def victim_listing(node, victim):
    note = listing_note(victim)
    assert (
        await victim.post(
            node.urls.shared_inbox(), wrap("Create", victim, "victor", note), name="victor"
        )
    )[0] == 202
    await node.drain()
    assert await titles(node) == ["Cargo bike to lend"]
    return note


async def titles(node):
    return await node.db.run(lambda: [r.title for r in Listing.select().order_by(Listing.id)])


async def announce(node, mallory, inner, n=1):
    """Mallory announces `inner` (signed by Mallory, as Mallory): must be answered 202."""
    body = {
        "id": f"{mallory.base}/activities/announce/{n}",
        "type": "Announce",
        "actor": mallory.uri("mallory"),
        "to": [PUBLIC],
        "object": inner,
    }
    status, _ = await mallory.post(node.urls.shared_inbox(), body, name="mallory")
    assert status == 202
    await node.drain()


async def states(node):
    return await node.db.run(
        lambda: {i.activity_id: i.state for i in InboxItem.select().order_by(InboxItem.id)}
    )


@pytest.mark.parametrize("served", [False, True], ids=["inner-not-served", "inner-served"])
async def test_announced_update_by_another_origin_does_not_change_the_listing(three, served):
    node, victim, mallory, _ = three
    note = await victim_listing(node, victim)
    forged = {**note, "name": "SCAM: pay by gift card", "updated": "2026-11-28T10:00:00Z"}
    inner = {
        "id": f"{mallory.base}/objects/u1",
        "type": "Update",
        "actor": victim.uri("victor"),
        "object": forged,
    }
    if served:  # Mallory's origin even serves the forged activity when asked
        mallory.objects["u1"] = inner
    await announce(node, mallory, inner)
    assert await titles(node) == ["Cargo bike to lend"]
    assert list((await states(node)).values())[-1] == "rejected"


async def test_announced_delete_by_another_origin_does_not_delete_the_listing(three):
    node, victim, mallory, _ = three
    note = await victim_listing(node, victim)
    inner = {
        "id": f"{mallory.base}/objects/d1",
        "type": "Delete",
        "actor": victim.uri("victor"),
        "object": note["id"],
    }
    await announce(node, mallory, inner)
    # a Tombstone-shaped object is the same attack
    inner2 = {
        **inner,
        "id": f"{mallory.base}/objects/d2",
        "object": {"id": note["id"], "type": "Tombstone"},
    }
    await announce(node, mallory, inner2, n=2)
    assert await titles(node) == ["Cargo bike to lend"]


async def test_announced_private_message_in_someone_elses_name_is_dropped(three):
    node, victim, mallory, alice = three
    note = {
        "id": f"{victim.base}/objects/dm1",  # on the victim's origin, like its author
        "type": "Note",
        "attributedTo": victim.uri("victor"),
        "to": [node.urls.actor("alice")],
        "content": "<p>Hi Alice, please send your door code</p>",
    }
    inner = {
        "id": f"{mallory.base}/objects/c1",
        "type": "Create",
        "actor": victim.uri("victor"),
        "to": [node.urls.actor("alice")],
        "object": note,
    }
    await announce(node, mallory, inner)
    # and a bare Note (no activity) attributed to the victim, with an id on Mallory's origin
    mallory.objects["dm2"] = {**note, "id": f"{mallory.base}/objects/dm2"}  # served by Mallory
    await announce(node, mallory, mallory.objects["dm2"], n=2)
    assert await node.db.run(lambda: Message.select().count()) == 0


async def test_announced_object_of_another_origin_inside_an_own_activity_is_dropped(three):
    """The inner activity is Mallory's own, but the listing it carries is the victim's."""
    node, victim, mallory, _ = three
    note = await victim_listing(node, victim)
    inner = {
        "id": f"{mallory.base}/objects/u2",
        "type": "Update",
        "actor": mallory.uri("mallory"),
        "object": {**note, "name": "Hijacked", "updated": "2026-11-29T10:00:00Z"},
    }
    await announce(node, mallory, inner)
    assert await titles(node) == ["Cargo bike to lend"]


async def test_announce_of_the_victims_object_is_fetched_from_the_victim(three):
    """What the victim's origin serves wins over what Mallory embeds (the object id is V's)."""
    node, victim, mallory, _ = three
    note = await victim_listing(node, victim)
    victim.objects["bike1"] = note  # the victim's server serves the true note
    await announce(node, mallory, {**note, "name": "Hijacked", "updated": "2026-11-29T10:00:00Z"})
    assert await titles(node) == ["Cargo bike to lend"]


async def test_announce_wholly_on_the_announcers_origin_still_works(three):
    node, victim, mallory, _ = three
    own = listing_note(mallory, name="mallory", n=9, title="Ladder")
    await announce(node, mallory, wrap("Create", mallory, "mallory", own, n=9))
    assert await titles(node) == ["Ladder"]


async def test_update_and_delete_by_a_neighbour_on_the_same_server_are_refused(three):
    """Same origin is not enough: only the author changes or deletes its object (Mastodon)."""
    node, victim, mallory, _ = three
    note = await victim_listing(node, victim)
    forged = {
        **note,
        "name": "Hijacked",
        "updated": "2026-11-29T10:00:00Z",
        "attributedTo": victim.uri("eve"),
    }
    await victim.post(node.urls.shared_inbox(), wrap("Update", victim, "eve", forged), name="eve")
    await victim.post(
        node.urls.shared_inbox(), wrap("Delete", victim, "eve", note["id"], n=2), name="eve"
    )
    await node.drain()
    assert await titles(node) == ["Cargo bike to lend"]
    # the author still can
    await victim.post(
        node.urls.shared_inbox(), wrap("Delete", victim, "victor", note["id"], n=3), name="victor"
    )
    await node.drain()
    assert await titles(node) == []


async def test_create_attributed_to_someone_else_is_refused(three):
    node, victim, mallory, alice = three
    dm = {
        "id": f"{victim.base}/objects/dm3",
        "type": "Note",
        "attributedTo": victim.uri("victor"),
        "to": [node.urls.actor("alice")],
        "content": "<p>It is me, Victor</p>",
    }
    create = wrap("Create", victim, "eve", dm, n=4)
    create["to"] = [node.urls.actor("alice")]
    await victim.post(node.urls.shared_inbox(), create, name="eve")
    listing = listing_note(victim, name="victor", n=5, title="Not eve's")
    await victim.post(
        node.urls.shared_inbox(), wrap("Create", victim, "eve", listing, n=5), name="eve"
    )
    await node.drain()
    assert await node.db.run(lambda: Message.select().count()) == 0
    assert await titles(node) == []


async def test_reply_and_event_updates_by_someone_else_are_refused(three):
    node, victim, mallory, alice = three
    quarter = await node.db.run(Quarter.get)
    listing = await publish_listing(node, alice, quarter)
    reply = {
        "id": f"{victim.base}/objects/r1",
        "type": "Note",
        "attributedTo": victim.uri("victor"),
        "inReplyTo": node.urls.listing(listing.id),
        "to": [PUBLIC],
        "content": "<p>Is it free?</p>",
    }
    await victim.post(
        node.urls.shared_inbox(), wrap("Create", victim, "victor", reply, n=6), name="victor"
    )
    await node.drain()
    forged = {**reply, "attributedTo": victim.uri("eve"), "content": "<p>Send money</p>"}
    await victim.post(
        node.urls.shared_inbox(), wrap("Update", victim, "eve", forged, n=7), name="eve"
    )
    await node.drain()
    assert await node.db.run(lambda: [c.content_html for c in Comment.select()]) == [
        "<p>Is it free?</p>"
    ]


def group_event(peer, actor, title, updated):
    event_id = f"{peer.base}/events/5e6f"
    return {
        "id": event_id,
        "type": "Event",
        "name": title,
        "content": "<p>Bring your toasters</p>",
        "actor": peer.uri(actor),
        "attributedTo": peer.uri("club"),
        "startTime": "2026-12-05T14:00:00+01:00",
        "endTime": "2026-12-05T18:00:00+01:00",
        "timezone": "Europe/Paris",
        "location": {"type": "Place", "name": "Salle", "latitude": 48.11, "longitude": -1.68},
        "to": [PUBLIC],
        "updated": updated,
    }


async def test_mobilizon_group_event_is_changed_by_the_group_not_by_a_stranger(three):
    """Mobilizon: another member of the event's Group may update it; a stranger may not."""
    node, victim, mallory, _ = three
    victim.types["club"] = "Group"
    ev = group_event(victim, "victor", "Repair café", "2026-11-27T10:00:00Z")
    create = wrap("Create", victim, "victor", ev, n=10)
    assert (await victim.post(node.urls.shared_inbox(), create, name="victor"))[0] == 202
    await node.drain()

    async def title():
        return await node.db.run(lambda: [e.title for e in Event.select()])

    assert await title() == ["Repair café"]
    stranger = {**group_event(victim, "eve", "Cancelled, go home", "2026-11-28T10:00:00Z")}
    stranger["attributedTo"] = victim.uri("eve")
    await victim.post(
        node.urls.shared_inbox(), wrap("Update", victim, "eve", stranger, n=11), name="eve"
    )
    await node.drain()
    assert await title() == ["Repair café"]
    member = group_event(victim, "carol", "Repair café (new room)", "2026-11-29T10:00:00Z")
    await victim.post(
        node.urls.shared_inbox(), wrap("Update", victim, "carol", member, n=12), name="carol"
    )
    await node.drain()
    assert await title() == ["Repair café (new room)"]
    # a moderator of the Group (same origin) deletes it by id: group membership is theirs to check
    gone = wrap("Delete", victim, "dave", member["id"], n=13)
    assert (await victim.post(node.urls.shared_inbox(), gone, name="dave"))[0] == 202
    await node.drain()
    assert await title() == []


async def test_an_object_cannot_claim_a_quarter_of_another_server(three):
    """`audience` names the quarter an item comes from: only a Group on the object's origin."""
    node, victim, mallory, _ = three
    victim.types["club"] = "Group"
    hello = {
        "id": f"{victim.base}/users/club#follows/1",
        "type": "Follow",
        "actor": victim.uri("club"),
        "object": node.urls.quarter("centre"),
    }
    assert (await victim.post(node.urls.shared_inbox(), hello, name="club"))[0] == 202
    await node.drain()  # the node now knows the victim's quarter Group
    own = listing_note(mallory, name="mallory", n=20, title="Cheap flat, pay deposit now")
    own["audience"] = victim.uri("club")
    create = wrap("Create", mallory, "mallory", own, n=20)
    assert (await mallory.post(node.urls.shared_inbox(), create, name="mallory"))[0] == 202
    await node.drain()
    rows = await node.db.run(lambda: [(r.title, r.quarter_id) for r in Listing.select()])
    assert rows == [("Cheap flat, pay deposit now", None)]
