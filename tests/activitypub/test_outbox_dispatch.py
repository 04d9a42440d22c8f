"""Every domain change is routed by its class: turned into activities, or declared local-only.

A moderator hiding or removing a federated item tells everyone who got it (Delete), and unhiding
sends it again (Create): before, `ContentRemoved` matched no builder and nothing left the node.
"""

import importlib
import json
import pkgutil
from dataclasses import dataclass

import pytest
from ap_support import Peer, publish_listing, start_node
from helpers import make_quarter, make_resident

import node.local
from node.activitypub import outbox
from node.activitypub.models import Delivery
from node.commit import commit
from node.local.moderation import actions as moderation
from node.local.tx import Change


def every_change_class() -> set[type]:
    for info in pkgutil.walk_packages(node.local.__path__, "node.local."):
        importlib.import_module(info.name)
    found, todo = set(), [Change]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__.startswith("node.") and sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def test_every_change_is_turned_into_activities_or_declared_local_only():
    changes = every_change_class()
    assert len(changes) >= 35  # the walker sees the domain's changes
    routed, local = set(outbox.BUILDERS), set(outbox.LOCAL_ONLY)
    assert not routed & local, "a change cannot be both"
    assert changes - routed - local == set()
    assert (routed | local) - changes == set()


@dataclass(frozen=True)
class Unheard(Change):
    """A change no builder knows (declared here, outside the domain)."""

    listing_id: int


async def test_an_unrouted_change_fails_loudly_and_writes_nothing(make_settings, cleanup):
    node, runner = await start_node(make_settings, "a")
    cleanup.push_async_callback(runner.cleanup)
    quarter = await make_quarter(node)
    alice = await make_resident(node, "alice")
    listing = await publish_listing(node, alice, quarter)

    def work(tx):
        from node.local.listings.models import Listing

        Listing.update(title="Changed").where(Listing.id == listing.id).execute()
        tx.record(Unheard(listing.id))

    with pytest.raises(outbox.UnroutedChange):
        await commit(node, work)
    from node.local.listings.models import Listing

    title = await node.db.run(lambda: Listing.get_by_id(listing.id).title)
    assert title == "Drill to lend"  # rolled back with the change


@pytest.fixture
async def followed(make_settings):
    """A node whose resident alice is followed by a peer, and a moderator of her quarter."""
    node, runner = await start_node(make_settings, "a")
    peer = await Peer().start()
    quarter = await make_quarter(node)
    alice = await make_resident(node, "alice")
    mod = await make_resident(node, "mod", role="moderator")
    follow = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{peer.base}/follows/1",
        "type": "Follow",
        "actor": peer.uri("bob"),
        "object": node.urls.actor("alice"),
    }
    status, _ = await peer.post(node.urls.shared_inbox(), follow)
    assert status == 202
    await node.drain()
    yield node, peer, quarter, alice, mod
    await peer.stop()
    await runner.cleanup()


def received(peer, verb):
    out = []
    for activity in peer.activities():
        if activity.get("type") == verb:
            obj = activity.get("object")
            out.append(obj.get("id") if isinstance(obj, dict) else obj)
    return out


@pytest.mark.parametrize("action", ["hide", "remove"])
async def test_a_moderated_public_listing_is_deleted_everywhere_it_went(followed, action):
    node, peer, quarter, alice, mod = followed
    listing = await publish_listing(node, alice, quarter, reach="public")
    await node.drain()
    ref = node.urls.listing(listing.id)
    assert ref in received(peer, "Create")
    await commit(node, moderation.act, mod.id, action, "listing", listing.id, "spam")
    await node.drain()
    assert received(peer, "Delete") == [ref]
    if action == "hide":
        await commit(node, moderation.act, mod.id, "unhide", "listing", listing.id, "ok")
        await node.drain()
        assert received(peer, "Create").count(ref) == 2  # sent again once restored


async def test_an_edit_after_a_moderators_delete_is_not_sent_until_restored(followed):
    node, peer, quarter, alice, mod = followed
    listing = await publish_listing(node, alice, quarter, reach="public")
    await commit(node, moderation.act, mod.id, "hide", "listing", listing.id, "check")
    from node.local.listings import drafts as listing_drafts
    from node.local.listings import write as listings

    changes = listing_drafts.ListingDraft.parse_changes({"title": "Hidden edit"})
    await commit(node, listings.edit, alice.id, listing.id, changes)
    await node.drain()
    assert received(peer, "Update") == []
    await commit(node, moderation.act, mod.id, "unhide", "listing", listing.id, "fine")
    changes = listing_drafts.ListingDraft.parse_changes({"title": "Visible edit"})
    await commit(node, listings.edit, alice.id, listing.id, changes)
    await node.drain()
    updates = [
        json.loads(bytes(d.body)) for d in await node.db.run(lambda: list(Delivery.select()))
    ]
    titles = [a["object"].get("name") for a in updates if a["type"] == "Update"]
    assert "Visible edit" in titles and "Hidden edit" not in titles


async def test_a_quarter_only_listing_hidden_sends_nothing(followed):
    node, peer, quarter, alice, mod = followed
    listing = await publish_listing(node, alice, quarter, reach="quarter")
    await commit(node, moderation.act, mod.id, "remove", "listing", listing.id, "spam")
    await node.drain()
    assert received(peer, "Delete") == [] and received(peer, "Create") == []
