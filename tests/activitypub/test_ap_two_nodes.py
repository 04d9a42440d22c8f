"""Two real nodes on loopback, and bovine (an independent implementation) talking to a node."""

import datetime as dt
import json

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import unused_port
from ap_support import PUBLIC, Peer, publish_listing, start_node
from bovine import BovineActor
from bovine.clients import lookup_uri_with_webfinger
from bovine.clients.signed_http import legacy_digest_method_uppercase
from bovine.crypto import build_validate_http_signature_raw
from helpers import make_quarter, make_resident
from multidict import CIMultiDict

from node import following
from node.activitypub import keys
from node.activitypub.models import Follower, Following
from node.commit import commit
from node.local import residents
from node.local.listings.models import Listing
from node.local.models import Comment


async def settle(*nodes, rounds=5):
    """Run every node's background steps until none has anything left."""
    for _ in range(rounds):
        if not sum([await n.drain() for n in nodes]):
            return


async def test_resident_on_b_follows_quarter_on_a_and_receives_a_public_listing(
    make_settings, cleanup
):
    a, runner_a = await start_node(make_settings, "a")
    b, runner_b = await start_node(make_settings, "b")
    cleanup.push_async_callback(runner_a.cleanup)
    cleanup.push_async_callback(runner_b.cleanup)
    quarter = await make_quarter(a, "centre")
    alice = await make_resident(a, "alice")
    await make_quarter(b, "gare", postcodes=("35000",))
    await make_resident(b, "bob", quarter="gare")
    # When bob on B follows the quarter of A by its handle (WebFinger over http)…
    await following.follow(b, "bob", f"@centre@{a.urls.host}")
    await settle(a, b)
    follows = await b.db.run(lambda: [(f.actor_uri, f.state) for f in Following.select()])
    assert follows == [(a.urls.quarter("centre"), "accepted")]
    followers = await a.db.run(lambda: [(f.handle, f.actor_uri) for f in Follower.select()])
    assert followers == [("centre", b.urls.actor("bob"))]
    # …and alice publishes a public listing, then B holds it with its origin.
    listing = await publish_listing(a, alice, quarter, title="Ladder to lend")
    await publish_listing(a, alice, quarter, title="Secret", reach="quarter")
    await settle(a, b)
    got = await b.db.run(lambda: [(r.title, r.external_ref, r.origin) for r in Listing.select()])
    assert got == [("Ladder to lend", a.urls.listing(listing.id), a.urls.host)]


class BovinePeer:
    """A tiny actor built on bovine: its own key, actor document and a verifying inbox."""

    def __init__(self):
        self.port = unused_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.uri = self.base + "/actor"
        private = keys.generate_private_key()
        self.secret = keys.private_key_to_pem(private)
        self.pem = keys.public_key_to_pem(private)
        self.verified: list[tuple[str, dict]] = []
        self.refused = 0
        app = web.Application()
        app.router.add_get("/actor", self.actor)
        app.router.add_post("/inbox", self.inbox)
        self.app = app

    async def actor(self, request):
        doc = {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.uri,
            "type": "Person",
            "preferredUsername": "bovi",
            "inbox": self.base + "/inbox",
            "outbox": self.base + "/outbox",
            "publicKey": {
                "id": self.uri + "#main-key",
                "owner": self.uri,
                "publicKeyPem": self.pem,
            },
        }
        return web.json_response(doc, content_type="application/activity+json")

    async def key_retriever(self, key_id):
        # Fetch the signer's actor over HTTP, as a real server would.
        async with aiohttp.ClientSession() as session:
            async with session.get(
                key_id.split("#")[0], headers={"Accept": "application/activity+json"}
            ) as resp:
                doc = await resp.json(content_type=None)
        key = doc["publicKey"]
        return key["publicKeyPem"], key["owner"]

    async def inbox(self, request):
        body = await request.read()
        validate = build_validate_http_signature_raw(self.key_retriever)
        owner = await validate(
            request.method, str(request.url), CIMultiDict(request.headers), lambda: _const(body)
        )
        if owner is None:
            self.refused += 1
            return web.Response(status=401)
        self.verified.append((owner, json.loads(body)))
        return web.Response(status=202)

    async def start(self):
        self.runner = web.AppRunner(self.app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()


async def _const(value):
    return value


async def test_bovine_follows_alice_and_replies_to_her_listing(make_settings, cleanup):
    node, runner = await start_node(make_settings, "a")
    peer = BovinePeer()
    await peer.start()
    actor = BovineActor(
        actor_id=peer.uri,
        public_key_url=peer.uri + "#main-key",
        secret=peer.secret,
        digest_method=legacy_digest_method_uppercase,
    )
    session = aiohttp.ClientSession()
    await actor.init(session=session)
    cleanup.push_async_callback(runner.cleanup)
    cleanup.push_async_callback(peer.runner.cleanup)
    cleanup.push_async_callback(session.close)
    quarter = await make_quarter(node)
    alice = await make_resident(node, "alice")
    # bovine resolves @alice@127.0.0.1:PORT through WebFinger and fetches her actor.
    uri, _ = await lookup_uri_with_webfinger(
        session, f"acct:alice@{node.urls.host}", domain=node.urls.base
    )
    assert uri == node.urls.actor("alice")
    alice_doc = await actor.get(uri)
    assert alice_doc["type"] == "Person" and alice_doc["inbox"] == node.urls.inbox("alice")
    # It follows her (signed by bovine) and gets an Accept that bovine verifies.
    follow = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": peer.base + "/follow/1",
        "type": "Follow",
        "actor": peer.uri,
        "object": uri,
    }
    assert (await actor.post(alice_doc["inbox"], follow)).status == 202
    await node.drain()
    assert [(o, a["type"]) for o, a in peer.verified] == [(uri, "Accept")]
    # alice publishes a listing: bovine receives and verifies the signed Create.
    listing = await publish_listing(node, alice, quarter)
    await node.drain()
    owner, create = peer.verified[-1]
    assert owner == uri and create["type"] == "Create"
    assert create["object"]["id"] == node.urls.listing(listing.id)
    assert create["object"]["purpose"] == "offer" and peer.refused == 0
    # bovine replies: the reply shows up as a comment under the listing.
    reply = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": peer.base + "/notes/1/create",
        "type": "Create",
        "actor": peer.uri,
        "to": [PUBLIC, uri],
        "object": {
            "id": peer.base + "/notes/1",
            "type": "Note",
            "attributedTo": peer.uri,
            "inReplyTo": create["object"]["id"],
            "content": "<p>I would love to borrow it</p>",
            "to": [PUBLIC, uri],
        },
    }
    assert (await actor.post(node.urls.shared_inbox(), reply)).status == 202
    await node.drain()
    comments = await node.db.run(lambda: [(c.target_id, c.content_html) for c in Comment.select()])
    assert comments == [(listing.id, "<p>I would love to borrow it</p>")]


async def test_rfc9421_request_signed_with_http_message_signatures_is_accepted(
    make_settings, cleanup
):
    node, runner = await start_node(make_settings, "a")
    peer = await Peer().start()
    cleanup.push_async_callback(runner.cleanup)
    cleanup.push_async_callback(peer.stop)
    await make_resident(node, "alice", quarter=None)
    activity = {
        "id": peer.base + "/f/1",
        "type": "Follow",
        "actor": peer.uri("bob"),
        "object": node.urls.actor("alice"),
    }
    status, _ = await peer.post(node.urls.inbox("alice"), activity, scheme="rfc9421")
    assert status == 202
    stale = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
    activity["id"] += "x"
    status, answer = await peer.post(
        node.urls.inbox("alice"), activity, scheme="rfc9421", now=stale
    )
    assert status == 401 and answer["message"]


@pytest.mark.parametrize(
    "accept",
    [
        "application/activity+json",
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
    ],
)
async def test_listing_url_serves_activity_json_by_negotiation(make_settings, accept, cleanup):
    node, runner = await start_node(make_settings, "a")
    cleanup.push_async_callback(runner.cleanup)
    quarter = await make_quarter(node)
    alice = await make_resident(node, "alice")
    alice = await commit(node, residents.place, alice, "", "35400", "", 48.1134, -1.6759)
    listing = await publish_listing(node, alice, quarter, type="gift")
    async with aiohttp.ClientSession() as session:
        async with session.get(node.urls.listing(listing.id), headers={"Accept": accept}) as r:
            assert r.status == 200 and r.headers["Vary"] == "Accept"
            assert r.content_type == "application/activity+json"
            doc = await r.json(content_type=None)
        async with session.get(node.urls.listing(listing.id), headers={"Accept": "text/html"}) as r:
            assert r.status == 200 and r.content_type == "text/html"
    assert doc["type"] == "Note" and "reciprocal" not in doc
    assert isinstance(doc["location"]["latitude"], float)
