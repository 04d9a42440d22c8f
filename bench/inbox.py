"""Signed activities per second verified and stored by the inbox, next to a bare aiohttp echo.

Run: python bench/inbox.py [N] [--db sqlite|postgres] (SQLite in a temporary folder, or a fresh
schema on QUARTIER_BENCH_PG; loopback only).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web
from aiohttp.test_utils import unused_port

sys.path[:0] = [
    str(Path(__file__).resolve().parents[1]),
    str(Path(__file__).resolve().parents[1] / "tests"),
]

from ap_support import Peer, start_node  # noqa: E402
from sharing import database_url, drop_schema  # noqa: E402 - bench/sharing.py

from node.settings import load_settings  # noqa: E402

CONCURRENCY = 32


async def echo_server():
    async def echo(request):
        return web.json_response(await request.json(), status=202)

    app = web.Application()
    app.router.add_post("/inbox", echo)
    runner = web.AppRunner(app)
    await runner.setup()
    port = unused_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}/inbox"


async def blast(url, bodies, headers_for):
    sem = asyncio.Semaphore(CONCURRENCY)
    async with aiohttp.ClientSession() as session:

        async def one(body):
            async with sem:
                async with session.post(url, data=body, headers=headers_for(body)) as resp:
                    assert resp.status == 202, resp.status

        start = time.perf_counter()
        await asyncio.gather(*(one(b) for b in bodies))
        return time.perf_counter() - start


async def main(n: int, db: str) -> None:
    tmp = tempfile.mkdtemp()
    url, schema = database_url(db, Path(tmp))

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
    peer = await Peer().start()
    from helpers import make_resident

    await make_resident(node, "alice", quarter=None)
    inbox = node.urls.inbox("alice")
    bodies = [
        json.dumps(
            {
                "id": f"{peer.base}/likes/{i}",
                "type": "Like",
                "actor": peer.uri("bob"),
                "object": node.urls.actor("alice"),
            }
        ).encode()
        for i in range(n)
    ]
    # Warm the key cache with one request (the first one fetches bob's key).
    await blast(inbox, bodies[:1], lambda b: peer.sign("bob", "POST", inbox, b))
    signed = [(b, peer.sign("bob", "POST", inbox, b)) for b in bodies[1:]]
    by_body = dict(signed)
    inbox_s = await blast(inbox, [b for b, _ in signed], lambda b: by_body[b])
    echo_runner, echo_url = await echo_server()
    echo_s = await blast(echo_url, bodies, lambda b: {"Content-Type": "application/json"})
    rate, echo_rate = (n - 1) / inbox_s, n / echo_s
    print(f"database: {db}")
    print(f"inbox: {n - 1} signed activities verified and stored in {inbox_s:.2f} s = {rate:.0f}/s")
    print(f"echo:  {n} bare JSON POSTs in {echo_s:.2f} s = {echo_rate:.0f}/s")
    print(f"ratio inbox/echo: {rate / echo_rate:.2f}")
    await echo_runner.cleanup()
    await peer.stop()
    await runner.cleanup()
    if schema:
        drop_schema(schema)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", nargs="?", type=int, default=2000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    asyncio.run(main(args.n, args.db))
