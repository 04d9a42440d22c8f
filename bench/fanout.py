"""How long one public post takes to reach 1,000 followers spread over 100 loopback nodes.

Each follower has its own inbox (no shared inbox, like GoToSocial and Mitra): one signed POST
each. Prints the time to enqueue (one transaction) and to deliver to every follower, on SQLite
(a temporary folder) and/or PostgreSQL (a fresh schema on QUARTIER_BENCH_PG); loopback only.

    python bench/fanout.py                         # 1,000 followers on 100 nodes, both databases
    python bench/fanout.py --followers 5000 --nodes 100 --db sqlite --rounds 3

A few seconds per round.
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
    str(Path(__file__).resolve().parent),
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


async def main(followers: int, nodes: int, kind: str = "sqlite") -> None:
    from sharing import database_url, drop_schema

    tmp = tempfile.mkdtemp()
    url, schema = database_url(kind, Path(tmp))

    def make_settings(name, **overrides):
        values = {
            "data_dir": f"{tmp}/{name}",
            "database_url": url,
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
    print(
        f"  {kind}: {counter['n']} deliveries received ({sent} sent) by {nodes} nodes; "
        f"enqueue (one transaction) {enqueued * 1000:.0f} ms; "
        f"post to all followers {total:.2f} s",
        flush=True,
    )
    for r, _ in receivers:
        await r.cleanup()
    await runner.cleanup()
    if schema:
        drop_schema(schema)


def cli() -> None:
    import argparse
    import os

    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--followers", type=int, default=1000)
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per database (default 2)")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"fanout bench, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for kind in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        for _ in range(args.rounds):
            asyncio.run(main(args.followers, args.nodes, kind))


if __name__ == "__main__":
    cli()
