"""The inbox stores concurrent requests in shared transactions without losing its guarantees."""

import asyncio
import json

import pytest
from ap_support import Peer, start_node
from helpers import make_resident

from node.activitypub import inbox
from node.activitypub.models import DomainBlock, InboxItem
from node.batcher import Batcher


@pytest.fixture
async def fed(make_settings):
    node, runner = await start_node(make_settings, "a")
    peer = await Peer().start()
    await make_resident(node, "alice", quarter=None)
    yield node, peer
    await peer.stop()
    await runner.cleanup()


def like(peer, node, n):
    return {
        "id": f"{peer.base}/likes/{n}",
        "type": "Like",
        "actor": peer.uri("bob"),
        "object": node.urls.actor("alice"),
    }


async def receive(node, peer, activity):
    path = "/@alice/inbox"
    body = json.dumps(activity).encode()
    headers = peer.sign("bob", "POST", node.urls.base + path, body)
    return await inbox.receive(node, "POST", path, headers, body)


async def test_concurrent_activities_are_each_stored_once(fed):
    node, peer = fed
    # Given one request has cached bob's key
    assert await receive(node, peer, like(peer, node, 0)) == "stored"
    # When 30 distinct activities and 10 copies of one arrive at the same time
    activities = [like(peer, node, n) for n in range(1, 31)] + [like(peer, node, 99)] * 10
    results = await asyncio.gather(*(receive(node, peer, a) for a in activities))
    # Then each distinct one is stored once, and every copy but one is a duplicate
    assert results[:30] == ["stored"] * 30
    assert sorted(results[30:]) == ["duplicate"] * 9 + ["stored"]
    ids = await node.db.run(lambda: [i.activity_id for i in InboxItem.select()])
    assert len(ids) == len(set(ids)) == 32


async def test_each_answer_comes_after_its_row_is_committed(fed):
    node, peer = fed
    await receive(node, peer, like(peer, node, 0))
    activities = [like(peer, node, n) for n in range(1, 21)]

    async def one(activity):
        await receive(node, peer, activity)
        # a fresh read on the database thread sees the row as soon as receive returns
        found = await node.db.run(
            lambda: InboxItem.select().where(InboxItem.activity_id == activity["id"]).exists()
        )
        assert found, activity["id"]

    await asyncio.gather(*(one(a) for a in activities))


async def test_blocked_domain_in_a_crowd_is_dropped(fed):
    node, peer = fed
    await receive(node, peer, like(peer, node, 0))
    await node.db.run(lambda: DomainBlock.create(host=peer.host))
    results = await asyncio.gather(*(receive(node, peer, like(peer, node, n)) for n in range(5)))
    assert results == ["blocked"] * 5
    assert await node.db.run(lambda: InboxItem.select().count()) == 1


async def test_one_bad_item_fails_alone(fed):
    node, _ = fed

    def store(items):
        if "bad" in items:
            raise ValueError("bad item")
        return [item.upper() for item in items]

    batcher = Batcher(node.db, store)
    results = await asyncio.gather(
        *(batcher.submit(x) for x in ["a", "bad", "b", "c"]), return_exceptions=True
    )
    assert results[0] == "A" and results[2:] == ["B", "C"]
    assert isinstance(results[1], ValueError)
    # and the batcher keeps working afterwards
    assert await batcher.submit("d") == "D"


async def test_under_load_a_batch_waits_to_fill_up_and_after_a_quiet_spell_it_does_not(fed):
    node, _ = fed
    import threading

    batches, started, go = [], threading.Event(), threading.Event()

    def store(items):
        batches.append(list(items))
        started.set()
        go.wait(10)  # the first batch holds the database until the test lets it go
        return items

    batcher = Batcher(node.db, store, linger=0.3)
    first = asyncio.ensure_future(batcher.submit("a"))
    await asyncio.to_thread(started.wait, 10)
    second = asyncio.ensure_future(batcher.submit("b"))  # comes in while "a" is committed
    await asyncio.sleep(0)
    go.set()
    assert await first == "a"
    # "b" waits behind a batch: it lingers, so "c", submitted now, shares its transaction
    assert await asyncio.gather(second, batcher.submit("c")) == ["b", "c"]
    assert batches == [["a"], ["b", "c"]]
    # a lone item after a quiet spell is committed at once, not after the linger
    slow = Batcher(node.db, lambda items: items, linger=30)
    assert await asyncio.wait_for(slow.submit("d"), 5) == "d"
