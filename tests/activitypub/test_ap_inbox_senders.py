"""Keys the inbox remembers (no lookup before verifying) obey blocks, allow-lists and rotations
exactly as looked-up keys do: the transaction that stores the activity checks them again."""

import json

import pytest
from ap_support import Peer, start_node
from helpers import make_resident

from node.activitypub import inbox, keys, trust
from node.activitypub.models import DomainBlock, InboxItem, RemoteActor


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


async def receive(node, peer, n, key=None):
    path = "/@alice/inbox"
    body = json.dumps(like(peer, node, n)).encode()
    headers = peer.sign("bob", "POST", node.urls.base + path, body, key=key)
    return await inbox.receive(node, "POST", path, headers, body)


async def stored(node):
    return await node.db.run(lambda: sorted(i.activity_id for i in InboxItem.select()))


async def test_a_remembered_key_skips_the_lookup_and_still_stores(fed, monkeypatch):
    node, peer = fed
    assert await receive(node, peer, 1) == "stored"
    assert peer.key_id("bob") in node.inbox_senders

    async def no_lookup(*args):
        raise AssertionError("looked up a remembered key")

    monkeypatch.setattr(node.inbox_batchers["lookup"], "submit", no_lookup)
    assert await receive(node, peer, 2) == "stored"
    assert len(await stored(node)) == 2


async def test_a_block_applies_to_a_remembered_key_at_once(fed):
    node, peer = fed
    assert await receive(node, peer, 1) == "stored"
    await node.db.run(lambda: DomainBlock.create(host=peer.host))
    assert await receive(node, peer, 2) == "blocked"  # accepted and dropped
    assert await stored(node) == [f"{peer.base}/likes/1"]


async def test_the_allow_list_applies_to_a_remembered_key_at_once(fed):
    node, peer = fed
    assert await receive(node, peer, 1) == "stored"
    await node.db.run(trust.set_allow_list, True)
    with pytest.raises(inbox.Rejected) as refused:
        await receive(node, peer, 2)
    assert refused.value.status == 403
    await node.db.run(trust.allow, peer.host)
    assert await receive(node, peer, 3) == "stored"


async def test_a_key_replaced_by_another_process_is_not_trusted_from_memory(fed):
    """Another process refreshed bob's key (a compromised key, rotated by its owner): a request
    signed with the old key verifies against this process's memory, but not in the database."""
    node, peer = fed
    assert await receive(node, peer, 1) == "stored"
    old = peer.key
    peer.key = keys.generate_private_key()
    peer.pem = keys.public_key_to_pem(peer.key)
    await node.db.run(
        lambda: (
            RemoteActor.update(public_key_pem=peer.pem)
            .where(RemoteActor.key_id == peer.key_id("bob"))
            .execute()
        )
    )
    with pytest.raises(inbox.Rejected) as refused:
        await receive(node, peer, 2, key=old)
    assert refused.value.status == 401
    assert await stored(node) == [f"{peer.base}/likes/1"]
    # the new key is verified (and remembered) in its place
    assert await receive(node, peer, 3) == "stored"
    assert node.inbox_senders[peer.key_id("bob")][1] == peer.pem


async def test_a_rotated_key_is_refetched_and_the_old_one_refused(fed):
    node, peer = fed
    assert await receive(node, peer, 1) == "stored"
    old = peer.key
    peer.key = keys.generate_private_key()
    peer.pem = keys.public_key_to_pem(peer.key)
    assert await receive(node, peer, 2) == "stored"  # memory and database both refetched
    with pytest.raises(inbox.Rejected):
        await receive(node, peer, 3, key=old)
    assert len(await stored(node)) == 2


async def test_a_gone_actor_is_not_trusted_from_memory(fed):
    node, peer = fed
    assert await receive(node, peer, 1) == "stored"
    await node.db.run(
        lambda: RemoteActor.update(gone=True).where(RemoteActor.uri == peer.uri("bob")).execute()
    )
    peer.gone.add("bob")
    with pytest.raises(inbox.Rejected) as refused:
        await receive(node, peer, 2)
    assert refused.value.status == 401
    assert peer.key_id("bob") not in node.inbox_senders


async def test_a_failing_host_that_talks_again_is_cleared_on_either_path(fed):
    """Mastodon clears its failure tracker when a host sends something: on the first request
    (key looked up) and on later ones (key remembered, failures read in the storing query)."""
    from node.activitypub.models import HostState

    node, peer = fed
    for n in (1, 2):  # 1: looked up; 2: remembered
        await node.db.run(
            lambda: (
                HostState.insert(host=peer.host, failure_days="2026-11-30", unavailable_since=None)
                .on_conflict(
                    conflict_target=[HostState.host], update={HostState.failure_days: "2026-11-30"}
                )
                .execute()
            )
        )
        assert await receive(node, peer, n) == "stored"
        state = await node.db.run(HostState.get, HostState.host == peer.host)
        assert state.failure_days == "" and state.unavailable_since is None
    # a healthy host is not written to at all
    assert await receive(node, peer, 3) == "stored"
