"""`quartier worker` stops cleanly on SIGTERM: the deliveries it was sending are given back at
once (no lease to wait for), and it exits 0."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path

from ap_support import Peer
from helpers import make_quarter, make_resident
from node_process import node_env

from node import migrations
from node.activitypub import actors
from node.activitypub.models import Delivery
from node.runtime import make_node

ROOT = Path(__file__).resolve().parents[2]


class HangingPeer(Peer):
    """A remote server that never answers a POST to its inbox while the test runs."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived = 0
        self.release = asyncio.Event()

    async def _inbox(self, request):
        self.arrived += 1
        await self.release.wait()
        return await super()._inbox(request)


def sending() -> list[tuple[str, str]]:
    return [(d.state, d.claimed_by) for d in Delivery.select().order_by(Delivery.id)]


async def test_sigterm_gives_the_claimed_deliveries_back_and_exits_0(make_settings, tmp_path):
    peer = await HangingPeer().start()
    settings = make_settings(
        "w", allow_private_addresses=True, allow_http=True, queue_lease_seconds=600
    )
    node = make_node(settings)
    proc = None
    try:
        await node.db.run(migrations.apply, node.db.peewee)
        await make_quarter(node)
        await make_resident(node, "alice")
        await node.db.run(actors.ensure_key, "alice")
        for n in range(3):
            body = f'{{"id": "{node.urls.actor("alice")}#likes/{n}", "type": "Like"}}'.encode()
            await node.db.run(
                lambda b=body: Delivery.create(
                    inbox=f"{peer.base}/inbox", host=peer.host, body=b, signer="alice"
                )
            )
        env = node_env(
            Path(settings.data_dir), settings.database_url, str(ROOT),
            QUARTIER_SECRET_KEY=settings.secret_key, QUARTIER_ALLOW_PRIVATE_ADDRESSES="true",
            QUARTIER_ALLOW_HTTP="true", QUARTIER_QUEUE_LEASE_SECONDS="600",
            QUARTIER_HTTP_TIMEOUT_SECONDS="3000",
        )  # fmt: skip
        log = (tmp_path / "worker.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "node", "worker"], cwd=ROOT, env=env, stdout=log, stderr=log
        )
        # Given the worker is sending the three deliveries, and the remote server hangs
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and peer.arrived < 3:
            await asyncio.sleep(0.1)  # the worker is starting and claiming
        rows = await node.db.run(sending)
        assert peer.arrived == 3, (tmp_path / "worker.log").read_text()
        assert all(state == "sending" and holder for state, holder in rows), rows
        # When it gets SIGTERM
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(proc.wait, 30)
        # Then it exits 0 and the rows wait for the next worker at once, not after the lease
        assert code == 0, (tmp_path / "worker.log").read_text()
        assert await node.db.run(sending) == [("pending", "")] * 3
        proc = None
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()
        node.db.close()
        peer.release.set()
        await peer.stop()
