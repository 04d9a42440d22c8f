"""Key rotation reaches the running node (issue #8): `quartier admin rotate-key` in its own process.

The serving node cached the old private key; after the CLI, run as a separate process on the
same database, rotates it, what the node sends next must verify against the key it now
publishes. The receiver is bovine, which fetches the signer's actor document on every request.
"""

import asyncio
import json
import os
import sys

import aiohttp
from ap_support import publish_listing, start_node
from bovine import BovineActor
from bovine.clients.signed_http import legacy_digest_method_uppercase
from helpers import make_quarter, make_resident
from test_ap_two_nodes import BovinePeer


async def published_key(node, handle):
    async with aiohttp.ClientSession() as session:
        async with session.get(
            node.urls.actor(handle), headers={"Accept": "application/activity+json"}
        ) as resp:
            return json.loads(await resp.text())["publicKey"]["publicKeyPem"]


async def rotate_in_another_process(node, handle):
    s = node.settings
    env = {
        **os.environ,
        "QUARTIER_DATABASE_URL": s.database_url,
        "QUARTIER_DATA_DIR": str(s.data_dir),
        "QUARTIER_SECRET_KEY": s.secret_key,
        "QUARTIER_PUBLIC_URL": s.public_url,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "node",
        "admin",
        "rotate-key",
        "--handle",
        handle,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def test_key_rotated_by_the_cli_is_used_by_the_running_node(make_settings, cleanup):
    node, runner = await start_node(make_settings, "a")
    peer = BovinePeer()
    await peer.start()
    session = aiohttp.ClientSession()
    actor = BovineActor(
        actor_id=peer.uri,
        public_key_url=peer.uri + "#main-key",
        secret=peer.secret,
        digest_method=legacy_digest_method_uppercase,
    )
    await actor.init(session=session)
    cleanup.push_async_callback(runner.cleanup)
    cleanup.push_async_callback(peer.runner.cleanup)
    cleanup.push_async_callback(session.close)
    quarter = await make_quarter(node)
    alice = await make_resident(node, "alice")
    follow = {
        "id": peer.base + "/follow/1",
        "type": "Follow",
        "actor": peer.uri,
        "object": node.urls.actor("alice"),
    }
    assert (await actor.post(node.urls.inbox("alice"), follow)).status == 202
    await node.drain()  # the Accept is signed with alice's key, now cached by the node
    assert [a["type"] for _, a in peer.verified] == ["Accept"] and peer.refused == 0
    old = await published_key(node, "alice")

    out = await rotate_in_another_process(node, "alice")
    assert "new key for @alice" in out
    assert await published_key(node, "alice") != old

    await publish_listing(node, alice, quarter, title="After the rotation")
    await node.drain()
    # Both the Update(actor) queued by the CLI and the Create verify with the new key.
    assert peer.refused == 0
    kinds = [a["type"] for _, a in peer.verified]
    assert kinds[0] == "Accept" and set(kinds[1:]) == {"Update", "Create"}
