"""How long one public post takes to reach 1,000 followers spread over 100 loopback nodes.

Run: python bench/fanout.py [FOLLOWERS] [NODES] (SQLite in a temporary folder; loopback only).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import unused_port

sys.path[:0] = [
    str(Path(__file__).resolve().parents[1]),
    str(Path(__file__).resolve().parents[1] / "tests"),
]

from ap_support import publish_listing, start_node  # noqa: E402

from node.activitypub import delivery  # noqa: E402
from node.activitypub.models import Delivery, Follower  # noqa: E402
from node.settings import load_settings  # noqa: E402


async def receiver(counter):
    async def inbox(request):
        await request.read()
        counter["n"] += 1
        return web.Response(status=202)

    app = web.Application()
    app.router.add_post("/inbox", inbox)
    app.router.add_post("/users/{name}/inbox", inbox)
    runner = web.AppRunner(app)
    await runner.setup()
    port = unused_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


async def main(followers: int, nodes: int) -> None:
    tmp = tempfile.mkdtemp()

    def make_settings(name, **overrides):
        values = {
            "data_dir": f"{tmp}/{name}",
            "database_url": f"sqlite:///{tmp}/{name}/q.db",
            "secret_key": "bench",
            "run_workers": False,
            "tile_url": "",
        }
        values.update(overrides)
        return load_settings({}, None, **values)

    node, runner = await start_node(make_settings, "a")
    from helpers import make_quarter, make_resident

    quarter = await make_quarter(node)
    alice = await make_resident(node, "alice")
    counter = {"n": 0}
    receivers = [await receiver(counter) for _ in range(nodes)]
    per_node = followers // nodes

    def add():
        # Followers without a shared inbox (like GoToSocial and Mitra): one POST each.
        for i, (_r, base) in enumerate(receivers):
            for j in range(per_node):
                uri = f"{base}/users/u{i}_{j}"
                Follower.create(
                    handle="alice", actor_uri=uri, inbox=uri + "/inbox", state="accepted"
                )

    await node.db.run(add)
    start = time.perf_counter()
    await publish_listing(node, alice, quarter)
    enqueued = time.perf_counter() - start
    while await delivery.run_once(node, limit=200):
        pass
    total = time.perf_counter() - start
    sent = await node.db.run(lambda: Delivery.select().where(Delivery.state == "sent").count())
    print(f"{counter['n']} deliveries received ({sent} sent) by {nodes} nodes")
    print(
        f"enqueue (one transaction): {enqueued * 1000:.0f} ms; post to all followers: {total:.2f} s"
    )
    for r, _ in receivers:
        await r.cleanup()
    await runner.cleanup()


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    asyncio.run(main(*(args + [1000, 100][len(args) :])))
