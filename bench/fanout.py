"""How long one public post takes to reach 1,000 followers spread over 100 loopback nodes.

Each follower has its own inbox (no shared inbox, like GoToSocial and Mitra): one signed POST
each. Prints the time to enqueue (one transaction) and to deliver to every follower, on SQLite
(a temporary folder) and/or PostgreSQL (a fresh schema on QUARTIER_BENCH_PG); loopback only.

The sender is one node process as `quartier serve` runs it, with its signing helpers
(QUARTIER_SIGN_PROCESSES, started before the clock as a node running for a while has them). The
100 receiving nodes are aiohttp servers in one separate process by default: they stand for other
servers, whose CPU is not the sender's (`--receivers inline` runs them in the sender's process, as
this bench did before, which charges their work to the sender). Besides the wall times it prints
where the CPU went: the sender process, its signing helpers, the receivers; and how many TCP
connections the receivers accepted (connections are reused per host).

    python bench/fanout.py                         # 1,000 followers on 100 nodes, both databases
    python bench/fanout.py --followers 5000 --nodes 100 --db sqlite --rounds 3
    python bench/fanout.py --sign-processes 0      # sign in the event loop (a one-core server)

A few seconds per round.
"""

from __future__ import annotations

import asyncio
import json
import os
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

from node.activitypub import delivery  # noqa: E402
from node.activitypub.models import Delivery, Follower  # noqa: E402
from node.settings import load_settings  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


class Receivers:
    """`nodes` aiohttp servers with an inbox each; counts requests and distinct connections."""

    def __init__(self) -> None:
        self.requests = 0
        self.peers: set[tuple] = set()
        self.runners: list[web.AppRunner] = []
        self.urls: list[str] = []

    async def start(self, nodes: int) -> None:
        async def inbox(request: web.Request) -> web.Response:
            await request.read()
            self.requests += 1
            self.peers.add((request.host, request.transport.get_extra_info("peername")))
            return web.Response(status=202)

        for _ in range(nodes):
            app = web.Application()
            app.router.add_post("/inbox", inbox)
            app.router.add_post("/users/{name}/inbox", inbox)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            port = unused_port()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            self.runners.append(runner)
            self.urls.append(f"http://127.0.0.1:{port}")

    def figures(self) -> dict:
        return {
            "requests": self.requests,
            "connections": len(self.peers),
            "cpu": time.process_time(),
        }

    async def stop(self) -> None:
        for runner in self.runners:
            await runner.cleanup()


async def serve_receivers(nodes: int) -> None:
    """`--serve-receivers`: the receivers in this process; one JSON line per line read on stdin."""
    receivers = Receivers()
    await receivers.start(nodes)
    print(json.dumps(receivers.urls), flush=True)
    loop = asyncio.get_running_loop()
    while await loop.run_in_executor(None, sys.stdin.readline):
        print(json.dumps(receivers.figures()), flush=True)
    await receivers.stop()


class RemoteReceivers:
    """The receivers in a child process (they stand for other servers)."""

    async def start(self, nodes: int) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--serve-receivers",
            str(nodes),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        self.urls = json.loads(await self.proc.stdout.readline())

    async def figures(self) -> dict:
        self.proc.stdin.write(b"?\n")
        await self.proc.stdin.drain()
        return json.loads(await self.proc.stdout.readline())

    async def stop(self) -> None:
        self.proc.stdin.close()
        await self.proc.wait()


class LocalReceivers(Receivers):
    async def figures(self) -> dict:  # type: ignore[override]
        return super().figures()


async def main(
    followers: int, nodes: int, kind: str = "sqlite", receivers_in: str = "process", **opts
) -> dict:
    from ap_support import publish_listing, start_node
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
        if opts.get("sign_processes") is not None:
            values["sign_processes"] = opts["sign_processes"]
        values.update(overrides)
        return load_settings({}, None, **values)

    node, runner = await start_node(make_settings, "a")
    from helpers import make_quarter, make_resident

    quarter = await make_quarter(node)
    alice = await make_resident(node, "alice")
    receivers = RemoteReceivers() if receivers_in == "process" else LocalReceivers()
    await receivers.start(nodes)
    per_node = followers // nodes

    def add():
        # Followers without a shared inbox (like GoToSocial and Mitra): one POST each.
        rows = [
            {"handle": "alice", "actor_uri": uri, "inbox": uri + "/inbox", "state": "accepted"}
            for i, base in enumerate(receivers.urls)
            for uri in (f"{base}/users/u{i}_{j}" for j in range(per_node))
        ]
        for start in range(0, len(rows), 500):
            Follower.insert_many(rows[start : start + 500]).execute()

    await node.db.run(add)
    # A node that has been running: alice's key made (her followers fetched her actor) and
    # loaded, the signing helpers started (at the node's first delivery).
    from node.activitypub import actors

    await node.db.run(actors.private_key, node, "alice")
    pool = node.signers
    if pool is not None:
        await pool.start()
    helpers = [c.proc.pid for c in pool.children] if pool is not None else []
    before = await receivers.figures()
    helpers_cpu = sum(cpu_of(pid) for pid in helpers)
    cpu = time.process_time()
    start = time.perf_counter()
    await publish_listing(node, alice, quarter)
    enqueued = time.perf_counter() - start
    enqueue_cpu = time.process_time() - cpu
    while await delivery.step(node):  # the worker's delivery step, as `serve` runs it
        pass
    total = time.perf_counter() - start
    sender_cpu = time.process_time() - cpu
    helpers_cpu = sum(cpu_of(pid) for pid in helpers) - helpers_cpu
    after = await receivers.figures()
    sent = await node.db.run(lambda: Delivery.select().where(Delivery.state == "sent").count())
    received = after["requests"] - before["requests"]
    away = pool.signed_away if pool is not None else 0
    here = received - away
    figures = {
        "total": total,
        "enqueue": enqueued,
        "deliver": total - enqueued,
        "sender_cpu": sender_cpu,
        "enqueue_cpu": enqueue_cpu,
        "helpers_cpu": helpers_cpu,
        "receivers_cpu": after["cpu"] - before["cpu"],
    }
    where = f"{len(helpers)} signing helper process(es)" if helpers else "signing in the event loop"
    print(
        f"  {kind}: {received} deliveries received ({sent} sent) by {nodes} nodes over "
        f"{after['connections'] - before['connections']} connections; 1 sender process "
        f"(delivery step: {delivery.STEP_IN_FLIGHT} in flight, {delivery.PER_HOST} per host) + {where}"
        f"; receivers {'in a separate process' if receivers_in == 'process' else 'inline'}\n"
        f"    post to all followers {total:.2f} s = enqueue (one transaction) "
        f"{enqueued * 1000:.0f} ms + delivery {(total - enqueued) * 1000:.0f} ms\n"
        f"    CPU: sender process {sender_cpu * 1000:.0f} ms (enqueue {enqueue_cpu * 1000:.0f})"
        f", signing helpers {helpers_cpu * 1000:.0f} ms ({away} signatures there, {here} in "
        f"the event loop), "
        + (
            f"receivers {figures['receivers_cpu'] * 1000:.0f} ms"
            if receivers_in == "process"
            else "receivers inside the sender's figure"
        ),
        flush=True,
    )
    await receivers.stop()
    await runner.cleanup()
    if schema:
        drop_schema(schema)
    return figures


def signing_cost() -> float:
    """CPU seconds of one RSA-2048 draft-cavage signature on this machine (200 of them)."""
    import datetime as dt

    from node.activitypub import keys
    from node.activitypub.signatures import sign_request

    key = keys.generate_private_key()
    now = dt.datetime.now(dt.UTC)
    start = time.process_time()
    for i in range(200):
        sign_request(key, "k", "POST", f"http://127.0.0.1/users/{i}/inbox", {}, b"{}" * 900, now)
    return (time.process_time() - start) / 200


def cli() -> None:
    import argparse

    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--followers", type=int, default=1000)
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per database (default 2)")
    parser.add_argument(
        "--receivers",
        choices=["process", "inline"],
        default="process",
        help="receiving nodes in a separate process (default) or in the sender's",
    )
    parser.add_argument(
        "--sign-processes",
        type=int,
        default=None,
        help="signing helpers of the sender (default: the node's, QUARTIER_SIGN_PROCESSES)",
    )
    parser.add_argument("--serve-receivers", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_receivers:
        asyncio.run(serve_receivers(args.serve_receivers))
        return
    load = os.getloadavg()
    print(
        f"fanout bench, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, "
        f"{os.cpu_count()} cores; one RSA-2048 signature costs {signing_cost() * 1000:.2f} ms "
        f"of CPU here"
    )
    for kind in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        runs = [
            asyncio.run(
                main(
                    args.followers,
                    args.nodes,
                    kind,
                    args.receivers,
                    sign_processes=args.sign_processes,
                )
            )
            for _ in range(args.rounds)
        ]
        best = min(runs, key=lambda r: r["total"])
        print(
            f"  {kind}, best of {len(runs)}: {best['total']:.2f} s "
            f"(enqueue {best['enqueue'] * 1000:.0f} ms, delivery {best['deliver'] * 1000:.0f} ms)",
            flush=True,
        )


if __name__ == "__main__":
    cli()
