"""Signed fetches of twins items: only a valid signature from a twin quarter's node opens them.

A foreign server is made the twin of quarter alpha (an accepted Twin row pointing at its Group).
Its properly signed GETs read alpha's twins listing, event and photo; every forged, stale,
misdirected or unsigned variant reads like a visitor (404), and quarter-only items never leave.
"""

from __future__ import annotations

import datetime as dt

import aiohttp
from ap_support import AS, Peer, start_node
from helpers import make_quarter, make_resident, png_bytes, publish_with_photo

from node.activitypub import keys
from node.commit import commit
from node.local import twins
from node.local.events import drafts as event_drafts
from node.local.events import write as events
from node.local.listings.models import Listing, ListingPhoto
from node.local.models import utcnow


async def _items(node, author, reach):
    fields = {"kind": "offer", "type": "loan", "title": f"Saw {reach}", "reach": reach}
    listing_id = await publish_with_photo(node, author.username, fields, png_bytes((20, 20)))
    listing = await node.db.run(Listing.get_by_id, listing_id)
    start = utcnow() + dt.timedelta(days=3)
    body = {
        "title": f"Meeting {reach}",
        "start": start.strftime("%Y-%m-%dT18:00"),
        "end": start.strftime("%Y-%m-%dT20:00"),
        "reach": reach,
    }
    event = await commit(
        node, events.schedule, author.id, event_drafts.EventDraft.parse(body, reach)
    )
    photo = await node.db.run(lambda: ListingPhoto.get(ListingPhoto.listing == listing.id))
    return {
        "listing": node.urls.listing(listing.id),
        "event": node.urls.event(event.id),
        "photo": f"{node.urls.base}/media/listings/{photo.name}",
    }


async def test_only_a_valid_signature_from_a_twin_node_reads_twins_items(make_settings, cleanup):
    node, runner = await start_node(make_settings, "a")
    peer = await Peer().start()
    stranger = await Peer().start()  # a server with no twin here
    cleanup.push_async_callback(runner.cleanup)
    cleanup.push_async_callback(peer.stop)
    cleanup.push_async_callback(stranger.stop)
    alpha = await make_quarter(node, "alpha", "Alpha")
    author = await make_resident(node, "author", quarter="alpha")

    def twin_with_peer():
        stub = twins.quarter_stub(
            twins.RemoteQuarter(peer.uri("beta"), f"@beta@{peer.host}", "Beta", peer.host)
        )
        return twins.Twin.create(
            quarter=alpha.id,
            remote_quarter=stub.id,
            actor_uri=peer.uri("beta"),
            host=peer.host,
            state="accepted",
            direction="incoming",
        )

    await node.db.atomic(twin_with_peer)
    shared = await _items(node, author, "twins")
    private = await _items(node, author, "quarter")
    other_key = keys.generate_private_key()
    old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)

    def variants(url):
        """(label, headers, expected status) for one URL."""
        good = peer.sign("beta", "GET", url, None)
        forged = peer.sign("beta", "GET", url, None, key=other_key)
        stale = peer.sign("beta", "GET", url, None, now=old)
        elsewhere = peer.sign("beta", "GET", url.rsplit("/", 1)[0] + "/999999", None)
        no_host = dict(good)
        no_host["Signature"] = good["Signature"].replace(
            "(request-target) host", "(request-target)"
        )
        strange = stranger.sign("beta", "GET", url, None)
        return [
            ("valid", good, 200),
            ("unsigned", {}, 404),
            ("forged (another key)", forged, 404),
            ("stale Date", stale, 404),
            ("signed for another URL", elsewhere, 404),
            ("host not signed", no_host, 404),
            ("valid, from a node with no twin", strange, 404),
            ("garbage Signature header", {"Signature": 'keyId="x",,,'}, 404),
        ]

    seen = []
    hostile = 0
    async with aiohttp.ClientSession() as session:
        for kind in ("listing", "event", "photo"):
            for items, reach in ((shared, "twins"), (private, "quarter")):
                url = items[kind]
                for label, headers, wanted in variants(url):
                    if reach == "quarter":
                        wanted = 404  # quarter-only never leaves, whoever signs
                    hostile += wanted == 404
                    async with session.get(url, headers={"Accept": AS, **headers}) as resp:
                        seen.append((kind, reach, label, resp.status, wanted))
    wrong = [s for s in seen if s[3] != s[4]]
    assert not wrong, f"{len(wrong)} of {len(seen)} requests answered wrongly: {wrong}"
    assert hostile == 45  # requests that must read like a visitor's
