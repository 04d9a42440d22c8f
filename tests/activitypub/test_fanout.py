"""Signatures made by helper processes (sign_pool) and the fan-out of one post to many inboxes."""

import datetime as dt
import json

import aiohttp
from aiohttp import web
from aiohttp.test_utils import unused_port
from ap_support import publish_listing, start_node
from bovine.crypto import build_validate_http_signature_raw
from helpers import make_quarter, make_resident
from multidict import CIMultiDict

from node.activitypub import delivery, keys
from node.activitypub.models import Delivery, Follower
from node.activitypub.rfc9421 import verify_request_rfc9421
from node.activitypub.sign_pool import SignPool, sign_headers
from node.activitypub.signatures import digest_header, verify_request

URL = "https://remote.example/users/bob/inbox"
BODY = json.dumps({"type": "Create", "id": "https://here.example/1"}).encode()


async def test_a_helper_signs_exactly_as_the_event_loop_does_and_each_verifies(cleanup):
    key = keys.generate_private_key()
    other = keys.generate_private_key()
    pool = SignPool(1)
    cleanup.push_async_callback(pool.close)
    await pool.start()
    now = dt.datetime.now(dt.UTC)
    headers = {"Content-Type": "application/activity+json"}
    for scheme in ("cavage", "rfc9421"):
        for signer in (key, other):  # a second key is sent to the helper once, then kept
            for n in range(3):
                url = f"{URL}?n={n}"
                away = await pool.sign(signer, "https://here.example/k", scheme, "POST", url,
                                       headers, BODY, now)  # fmt: skip
                here = sign_headers(signer, "https://here.example/k", scheme, "POST", url,
                                    headers, BODY, now)  # fmt: skip
                # RSA PKCS#1 v1.5 is deterministic: the very same headers, signature included
                assert away == here
                sent = {**headers, **away}
                if scheme == "cavage":
                    assert away["Digest"] == digest_header(BODY)
                    path = "/users/bob/inbox?n=" + str(n)
                    verify_request("POST", path, sent, BODY, signer.public_key(), now)
                else:
                    verify_request_rfc9421("POST", url, sent, BODY, signer.public_key(), now)
    assert pool.signed_away == 12 and pool.signed_here == 0


async def test_a_killed_helper_costs_nothing_but_speed(cleanup):
    key = keys.generate_private_key()
    pool = SignPool(1)
    cleanup.push_async_callback(pool.close)
    await pool.start()
    pool.children[0].proc.kill()
    await pool.children[0].proc.wait()
    now = dt.datetime.now(dt.UTC)
    got = await pool.sign(key, "k", "cavage", "POST", URL, {}, BODY, now)
    assert got == sign_headers(key, "k", "cavage", "POST", URL, {}, BODY, now)
    assert pool.signed_here == 1 and not pool.ready()


async def test_without_helpers_the_event_loop_signs():
    pool = SignPool(0)
    await pool.start()
    key = keys.generate_private_key()
    now = dt.datetime.now(dt.UTC)
    got = await pool.sign(key, "k", "rfc9421", "POST", URL, {}, BODY, now)
    assert got == sign_headers(key, "k", "rfc9421", "POST", URL, {}, BODY, now)
    assert pool.children == [] and pool.signed_here == 1


class VerifyingServer:
    """A remote server with personal inboxes that checks every signature with bovine (an
    independent implementation) and the key fetched from the signer's actor over HTTP."""

    def __init__(self) -> None:
        self.port = unused_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.received: list[str] = []
        self.refused = 0
        self.connections: set = set()
        self.in_flight = 0
        self.most_in_flight = 0
        app = web.Application()
        app.router.add_post("/users/{name}/inbox", self.inbox)
        self.runner = web.AppRunner(app)

    async def key(self, key_id):
        async with aiohttp.ClientSession() as session:
            async with session.get(
                key_id.split("#")[0], headers={"Accept": "application/activity+json"}
            ) as resp:
                doc = await resp.json(content_type=None)
        return doc["publicKey"]["publicKeyPem"], doc["publicKey"]["owner"]

    async def inbox(self, request):
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            self.connections.add(request.transport.get_extra_info("peername"))
            body = await request.read()
            validate = build_validate_http_signature_raw(self.key)
            owner = await validate(
                request.method, str(request.url), CIMultiDict(request.headers), lambda: _v(body)
            )
            if owner is None:
                self.refused += 1
                return web.Response(status=401)
            self.received.append(request.match_info["name"])
            return web.Response(status=202)
        finally:
            self.in_flight -= 1

    async def start(self) -> "VerifyingServer":
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self


async def _v(value):
    return value


async def test_a_post_reaches_every_personal_inbox_once_signed_by_the_helpers(
    make_settings, cleanup
):
    node, runner = await start_node(make_settings, "a", sign_processes=1)
    cleanup.push_async_callback(runner.cleanup)
    servers = [await VerifyingServer().start() for _ in range(3)]
    for server in servers:
        cleanup.push_async_callback(server.runner.cleanup)
    quarter = await make_quarter(node)
    alice = await make_resident(node, "alice")
    names = {server.base: [f"u{i}" for i in range(12)] for server in servers}

    def follow():
        for base, users in names.items():
            for user in users:
                uri = f"{base}/users/{user}"
                Follower.create(
                    handle="alice", actor_uri=uri, inbox=uri + "/inbox", state="accepted"
                )

    await node.db.run(follow)
    await node.signers.start()
    await publish_listing(node, alice, quarter)
    while await delivery.run_once(node, limit=20):
        pass
    for server in servers:
        assert server.refused == 0
        assert sorted(server.received) == sorted(names[server.base])  # each inbox exactly once
        # a host's inboxes share a few kept-alive connections, PER_HOST at most in flight
        assert server.most_in_flight <= delivery.PER_HOST
        assert len(server.connections) < len(names[server.base])
    states = await node.db.run(lambda: [d.state for d in Delivery.select()])
    assert states == ["sent"] * 36
    assert node.signers.signed_away == 36


async def test_the_worker_step_tops_up_its_claims_and_sends_each_row_once(make_settings, cleanup):
    # 30 inboxes, at most 10 in flight: one call claims more as the first ones finish
    node, runner = await start_node(make_settings, "a")
    cleanup.push_async_callback(runner.cleanup)
    server = await VerifyingServer().start()
    cleanup.push_async_callback(server.runner.cleanup)
    quarter = await make_quarter(node)
    alice = await make_resident(node, "alice")
    users = [f"u{i}" for i in range(30)]

    def follow():
        for user in users:
            uri = f"{server.base}/users/{user}"
            Follower.create(handle="alice", actor_uri=uri, inbox=uri + "/inbox", state="accepted")

    await node.db.run(follow)
    await publish_listing(node, alice, quarter)
    rows = await node.db.run(lambda: list(Delivery.select().dicts()))
    # the enqueue writes every column itself (one INSERT per chunk, not peewee's defaults)
    assert len(rows) == 30
    assert {(r["state"], r["attempts"], r["last_error"], r["claimed_by"]) for r in rows} == {
        ("pending", 0, "", "")
    }
    assert all(r["created_at"] == r["next_attempt_at"] for r in rows)
    assert {r["host"] for r in rows} == {f"127.0.0.1:{server.port}"}
    assert await delivery.run_once(node, limit=10) == 10  # no top-up without `seconds`
    assert await delivery.run_once(node, limit=10, seconds=60) == 20
    assert sorted(server.received) == sorted(users)
    assert server.most_in_flight <= delivery.PER_HOST
    states = await node.db.run(lambda: [(d.state, d.claimed_by) for d in Delivery.select()])
    assert states == [("sent", "")] * 30
    assert await delivery.step(node) == 0


async def test_a_node_verifies_what_another_signed_in_its_helper(make_settings, cleanup):
    # Two real nodes: A signs in a helper process, B's inbox verifies and stores the listing.
    from node import following
    from node.activitypub.models import Following
    from node.local.listings.models import Listing

    a, runner_a = await start_node(make_settings, "a", sign_processes=1)
    b, runner_b = await start_node(make_settings, "b")
    cleanup.push_async_callback(runner_a.cleanup)
    cleanup.push_async_callback(runner_b.cleanup)
    quarter = await make_quarter(a, "centre")
    alice = await make_resident(a, "alice")
    await make_quarter(b, "gare", postcodes=("35000",))
    await make_resident(b, "bob", quarter="gare")
    await a.signers.start()
    await following.follow(b, "bob", f"@centre@{a.urls.host}")
    for _ in range(5):
        if not await a.drain() + await b.drain():
            break
    follows = await b.db.run(lambda: [f.state for f in Following.select()])
    assert follows == ["accepted"]  # B's Follow was verified by A, A's Accept (signed away) by B
    await publish_listing(a, alice, quarter, title="Ladder to lend")
    for _ in range(5):
        if not await a.drain() + await b.drain():
            break
    got = await b.db.run(lambda: [r.title for r in Listing.select()])
    assert got == ["Ladder to lend"]
    assert a.signers.signed_away >= 2 and a.signers.signed_here == 0
