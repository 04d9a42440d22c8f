"""Delivery against loopback peers answering 202, 410, 429, 500, 401 and too slowly; restarts."""

import asyncio
import datetime as dt
import json

import pytest
from ap_support import Peer, publish_listing, start_node
from helpers import make_quarter, make_resident

from node.activitypub import delivery
from node.activitypub.models import Delivery, Follower, HostState
from node.app import create_app
from node.appkeys import node_key
from node.local.models import utcnow


@pytest.fixture
async def setup(make_settings):
    node, runner = await start_node(make_settings, "a", http_timeout_seconds=1)
    peer = await Peer().start()
    quarter = await make_quarter(node)
    alice = await make_resident(node, "alice")
    yield node, runner, peer, quarter, alice
    await peer.stop()
    await runner.cleanup()


def add_followers(peer, handle, names, shared=False):
    def work():
        for name in names:
            Follower.create(
                handle=handle,
                actor_uri=peer.uri(name),
                inbox=peer.uri(name) + "/inbox",
                shared_inbox=peer.base + "/inbox" if shared else "",
                state="accepted",
            )

    return work


async def rows(node):
    return await node.db.run(lambda: list(Delivery.select().order_by(Delivery.id)))


@pytest.mark.parametrize(
    ("status", "headers", "state"),
    [
        (202, {}, "sent"),
        (410, {}, "dropped"),
        (404, {}, "dropped"),
        (501, {}, "dropped"),
        (500, {}, "pending"),
        (429, {"Retry-After": "120"}, "pending"),
        (408, {}, "pending"),
    ],
)
async def test_responses_are_classified_like_mastodon(setup, status, headers, state):
    node, _, peer, quarter, alice = setup
    await node.db.run(add_followers(peer, "alice", ["bob"]))
    await publish_listing(node, alice, quarter)
    peer.responses = [(status, headers)]
    assert await delivery.run_once(node) == 1
    (row,) = await rows(node)
    assert (row.state, row.last_status) == (state, status)
    assert peer.activities()[0]["type"] == "Create"
    if status == 429:
        wait = row.next_attempt_at - utcnow()
        assert dt.timedelta(seconds=100) < wait <= dt.timedelta(seconds=120)
    elif state == "pending":
        assert row.next_attempt_at > utcnow() and row.attempts == 1


async def test_timeout_is_retried_later(setup):
    node, _, peer, quarter, alice = setup
    await node.db.run(add_followers(peer, "alice", ["bob"]))
    await publish_listing(node, alice, quarter)
    peer.delay = 3.0  # longer than the node's 1 s client timeout
    await delivery.run_once(node)
    (row,) = await rows(node)
    assert row.state == "pending" and "timed out" in row.last_error


async def test_give_up_after_the_retry_window_and_mark_the_host_unavailable(setup):
    node, _, peer, quarter, alice = setup
    await node.db.run(add_followers(peer, "alice", ["bob"]))
    await publish_listing(node, alice, quarter)
    days = ",".join((dt.date.today() - dt.timedelta(days=d)).isoformat() for d in range(1, 7))
    old = utcnow() - dt.timedelta(days=4)
    await node.db.run(lambda: HostState.create(host=peer.host, failure_days=days))
    await node.db.run(lambda: Delivery.update(created_at=old).execute())
    peer.responses = [(503, {})]
    await delivery.run_once(node)
    (row,) = await rows(node)
    assert row.state == "failed"
    host = await node.db.run(HostState.get, HostState.host == peer.host)
    assert host.unavailable_since is not None  # seventh distinct failing day
    # Next post skips the unavailable host entirely…
    await publish_listing(node, alice, quarter, title="Ladder")
    assert len(await rows(node)) == 1
    # …until it talks to us again.
    await node.db.run(lambda: HostState.update(unavailable_since=None).execute())
    await publish_listing(node, alice, quarter, title="Saw")
    assert len(await rows(node)) == 2


async def test_a_success_forgets_the_host_failures(setup):
    node, _, peer, quarter, alice = setup
    await node.db.run(add_followers(peer, "alice", ["bob", "carol"]))
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    await node.db.run(lambda: HostState.create(host=peer.host, failure_days=yesterday))
    await publish_listing(node, alice, quarter)
    peer.responses = [(202, {}), (202, {})]
    assert await delivery.run_once(node) == 2
    host = await node.db.run(HostState.get, HostState.host == peer.host)
    assert (host.failure_days, host.unavailable_since, host.scheme) == ("", None, "cavage")


async def test_401_knocks_again_with_rfc9421_and_remembers_it(setup):
    node, _, peer, quarter, alice = setup
    await node.db.run(add_followers(peer, "alice", ["bob"]))
    await publish_listing(node, alice, quarter)
    peer.responses = [(401, {}), (202, {})]
    await delivery.run_once(node)
    (row,) = await rows(node)
    assert row.state == "sent"
    first, second = (h for _p, h, _b in peer.received)
    assert "Signature-Input" not in first and "Signature-Input" in second
    host = await node.db.run(HostState.get, HostState.host == peer.host)
    assert host.scheme == "rfc9421"


async def test_one_delivery_per_shared_inbox(setup):
    node, _, peer, quarter, alice = setup
    await node.db.run(add_followers(peer, "alice", ["bob", "carol", "dan"], shared=True))
    await publish_listing(node, alice, quarter)
    assert [r.inbox for r in await rows(node)] == [peer.base + "/inbox"]


async def test_quarter_only_listing_never_leaves_the_node(setup):
    node, _, peer, quarter, alice = setup
    await node.db.run(add_followers(peer, "alice", ["bob"]))
    await publish_listing(node, alice, quarter, reach="quarter")
    assert await rows(node) == []


async def test_restart_in_the_middle_of_a_fanout_loses_nothing(make_settings):
    # Given a listing going to 30 followers on 3 servers without shared inboxes…
    settings = None
    node, runner = await start_node(make_settings, "a")
    peers = [await Peer().start() for _ in range(3)]
    for p in peers:
        p.shared = False
    quarter = await make_quarter(node)
    alice = await make_resident(node, "alice")
    for i, p in enumerate(peers):
        await node.db.run(add_followers(p, "alice", [f"f{i}_{n}" for n in range(10)]))
    await publish_listing(node, alice, quarter)
    # …when the node sends 10, claims 10 more and dies before sending them…
    assert await delivery.run_once(node, limit=10) == 10
    claimed = await node.db.atomic(delivery._claim, node, utcnow(), 10)
    assert len(claimed) == 10
    settings = node.settings
    await runner.cleanup()
    # …then a new node on the same database delivers the rest once the lease expires.
    app = create_app(settings)
    from node.background import resources

    node2 = app[node_key]
    async with resources(node2):
        past = utcnow() - dt.timedelta(minutes=10)
        await node2.db.run(
            lambda: (
                Delivery.update(claimed_at=past, claimed_until=past)
                .where(Delivery.state == "sending")
                .execute()
            )
        )
        await node2.drain()
    node2.db.close()
    got = sorted(a["actor"] for p in peers for a in p.activities())
    assert len(got) == 30 and all(s == "sent" for s in await _states(settings))
    for p in peers:
        await p.stop()


async def _states(settings):
    from node.runtime import make_node

    n = make_node(settings)
    try:
        return await n.db.run(lambda: [r.state for r in Delivery.select()])
    finally:
        n.db.close()


async def test_two_workers_never_send_twice(setup, make_settings, cleanup):
    # PostgreSQL: rows claimed with FOR UPDATE SKIP LOCKED. SQLite: one process is the design,
    # but two nodes on one file must still never send a row twice (claims are short writes).
    node, _, peer, quarter, alice = setup
    peer.shared = False
    await node.db.run(add_followers(peer, "alice", [f"f{n}" for n in range(40)]))
    await publish_listing(node, alice, quarter)
    from node.runtime import make_node

    other = make_node(node.settings)
    other.http = node.http
    cleanup.callback(other.db.close)
    await asyncio.gather(*(delivery.run_once(n, limit=15) for n in (node, other, node, other)))
    await node.drain()
    inboxes = [p for p, _h, _b in peer.received]
    assert len(inboxes) == 40 and len(set(inboxes)) == 40
    assert json.loads(peer.received[0][2])["type"] == "Create"
