"""Faults: the receiving node is down while deliveries are due; a Mastodon-shaped consumer."""

import json

from aiohttp import web
from ap_support import Peer
from three_nodes import publish, settle, start_site, twin

from node.activitypub.models import Delivery, InboxItem
from node.app import create_app
from node.appkeys import node_key
from node.commit import commit
from node.local.listings import drafts as listing_drafts
from node.local.listings import write as listings
from node.local.listings.models import Listing


async def test_node_down_then_back_gets_everything_once_in_history_order(make_settings, cleanup):
    fr = await start_site(make_settings, "fr")
    de = await start_site(make_settings, "de")
    cleanup.push_async_callback(fr.runner.cleanup)
    cleanup.push_async_callback(de.runner.cleanup)
    await twin(fr, de)
    port = de.node.urls.host.rsplit(":", 1)[1]
    await de.runner.cleanup()  # B is down
    listing = await publish(fr, "Remorque", "twins")
    changes = listing_drafts.ListingDraft.parse_changes({"title": "Remorque à vélo"})
    await commit(fr.node, listings.edit, fr.resident.id, listing.id, changes)
    other = await publish(fr, "Pompe", "twins")
    await commit(fr.node, listings.withdraw, fr.resident.id, other.id)
    await fr.node.drain()
    pending = await fr.node.db.run(
        lambda: Delivery.select().where(Delivery.state == "pending").count()
    )
    assert pending == 4  # nothing lost: every delivery waits for a retry
    # B comes back on the same port; the retries fall due
    runner = web.AppRunner(create_app(de.node.settings))  # same database, same keys
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", int(port)).start()
    de.runner, de.node = runner, runner.app[node_key]
    for _ in range(5):  # the retries fall due (time travel instead of waiting for the backoff)
        due = await fr.node.db.atomic(
            lambda: (
                Delivery.update(next_attempt_at=Delivery.created_at)
                .where(Delivery.state == "pending")
                .execute()
            )
        )
        if not due:
            break
        await settle(fr, de)
    got = await de.node.db.run(
        lambda: [
            (r.title, r.reach) for r in Listing.select().where(Listing.external_ref.is_null(False))
        ]
    )
    assert got == [("Remorque à vélo", "twins")]  # the update applied, the withdrawn one gone
    activities = await de.node.db.run(
        lambda: [json.loads(i.body)["type"] for i in InboxItem.select()]
    )
    assert sorted(activities).count("Create") == 2  # each activity arrived once
    sent = await fr.node.db.run(lambda: Delivery.select().where(Delivery.state == "sent").count())
    assert sent >= 4


async def test_late_create_after_delete_does_not_bring_a_listing_back(make_settings, cleanup):
    fr = await start_site(make_settings, "fr")
    de = await start_site(make_settings, "de")
    cleanup.push_async_callback(fr.runner.cleanup)
    cleanup.push_async_callback(de.runner.cleanup)
    await twin(fr, de)
    listing = await publish(fr, "Scie", "twins")
    await commit(fr.node, listings.withdraw, fr.resident.id, listing.id)
    # deliver the Delete first, then the Create (as a retry would)
    rows = await fr.node.db.run(
        lambda: list(Delivery.select().where(Delivery.state == "pending").order_by(Delivery.id))
    )
    await fr.node.db.atomic(
        lambda: Delivery.update(state="held").where(Delivery.id == rows[0].id).execute()
    )
    await settle(fr, de)
    await fr.node.db.atomic(
        lambda: Delivery.update(state="pending").where(Delivery.id == rows[0].id).execute()
    )
    await settle(fr, de)
    kept = await de.node.db.run(
        lambda: Listing.select().where(Listing.external_ref.is_null(False)).count()
    )
    assert kept == 0


async def test_mastodon_shaped_consumer_gets_notes_and_announces(make_settings, cleanup):
    fr = await start_site(make_settings, "fr")
    mastodon = await Peer().start()
    cleanup.push_async_callback(fr.runner.cleanup)
    cleanup.push_async_callback(mastodon.stop)
    status, _ = await mastodon.post(
        fr.node.urls.base + "/inbox",
        {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": mastodon.uri("gargron") + "#follows/1",
            "type": "Follow",
            "actor": mastodon.uri("gargron"),
            "object": fr.node.urls.quarter("saint_servan"),
        },
        name="gargron",
    )
    assert status == 202
    await fr.node.drain()
    listing = await publish(fr, "Perceuse à prêter", "public")
    await publish(fr, "Rien pour Mastodon", "twins")
    await fr.node.drain()
    got = mastodon.activities()
    assert got[0]["type"] == "Accept"
    announces = [a for a in got if a["type"] == "Announce"]
    # the plain Announce of the object id, which Mastodon dereferences…
    plain = [a for a in announces if isinstance(a["object"], str)]
    assert [a["object"] for a in plain] == [fr.node.urls.listing(listing.id)]
    assert "https://www.w3.org/ns/activitystreams#Public" in plain[0]["to"] + plain[0].get("cc", [])
    # …and the FEP-1b12 Announce(Create(Note)) with HTML content, to Public
    wrapped = [a["object"] for a in announces if isinstance(a["object"], dict)]
    assert [c["type"] for c in wrapped] == ["Create"]
    note = wrapped[0]["object"]
    assert note["type"] == "Note" and note["content"].startswith("<")
    assert "https://www.w3.org/ns/activitystreams#Public" in wrapped[0]["to"]
    assert "Rien pour Mastodon" not in json.dumps(got)
    # the object id can be dereferenced as ActivityStreams
    import aiohttp

    async with aiohttp.ClientSession() as session:
        async with session.get(
            plain[0]["object"], headers={"Accept": "application/activity+json"}
        ) as resp:
            doc = await resp.json(content_type=None)
    assert doc["id"] == plain[0]["object"] and doc["type"] == "Note"
