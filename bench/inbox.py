"""Signed Create activities per second verified and stored by the inbox, against a bare aiohttp echo.

The server runs in its own process pinned to one core (--server-core), the load generator in
this process pinned to the other (--client-core). In the same run and on the same core, a bare
aiohttp app that answers each POST with its JSON body (the ceiling of aiohttp itself) is
measured with the same bodies and the same generator; the ratio inbox/echo is printed.
The generator is a small keep-alive HTTP/1.1 client on asyncio protocols (about 33 µs of CPU
per request here), so it is never the bottleneck. Every 202 of the inbox means the activity is
committed (group commit); the server counts its stored rows at the end and the bench checks that
none is missing.

    python bench/inbox.py                      # SQLite and PostgreSQL, 3,000 activities, 3 rounds
    python bench/inbox.py --db sqlite -n 5000 --rounds 5
    python bench/inbox.py --profile /tmp/inbox.prof   # cProfile of the server (first round)
    BENCH_LOOP=uvloop python bench/inbox.py    # every server on uvloop (pip install uvloop)

PostgreSQL: a fresh schema on QUARTIER_BENCH_PG (default postgresql://postgres@127.0.0.1/test).
Loopback only. About 20 s per database with the defaults.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]


def pin(core: int | None) -> None:
    if core is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {core})


# ---------------------------------------------------------------- server processes


async def serve_echo() -> None:
    from aiohttp import web
    from floor import serve_until_stdin_closes

    async def echo(request):
        return web.json_response(await request.json(), status=202)

    app = web.Application()
    app.router.add_post("/inbox", echo)
    await serve_until_stdin_closes(app)


async def serve_node(db_url: str, data_dir: str, profile: str | None) -> None:
    from ap_support import start_node
    from helpers import make_resident

    from node.activitypub.models import InboxItem
    from node.settings import load_settings

    def make_settings(name, **overrides):
        values = {
            "data_dir": data_dir,
            "database_url": db_url,
            "secret_key": "bench",
            "run_workers": False,  # stored only: processing is the workers' job, not measured
            "tile_url": "",
        }
        values.update(overrides)
        return load_settings({}, None, **values)

    node, runner = await start_node(make_settings, "a")
    await make_resident(node, "alice", quarter=None)
    if not os.environ.get("BENCH_NO_FREEZE"):
        from node import memory

        memory.freeze()  # as `quartier serve` does once started (node.app.frozen)
    print(f"READY {node.urls.inbox('alice')} {node.urls.actor('alice')}", flush=True)
    profiler = db_profiler = None
    if profile:
        import cProfile

        from node.db import Database

        profiler, db_profiler = cProfile.Profile(), cProfile.Profile()
        call = Database._call
        Database._call = lambda *a: db_profiler.runcall(call, *a)  # the database thread
        profiler.enable()
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
        db_profiler.dump_stats(profile + ".db")
    stored = await node.db.run(lambda: InboxItem.select().count())
    print(f"STORED {stored}", flush=True)
    await runner.cleanup()


class Server:
    """A server child process pinned to one core; its first stdout line gives its URL."""

    def __init__(self, args: list[str], core: int | None) -> None:
        command = [sys.executable, __file__, *args]
        if core is not None:
            command += ["--server-core", str(core)]
        self.proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        line = self.proc.stdout.readline()
        if not line.startswith("READY "):
            self.proc.kill()
            raise RuntimeError(f"server did not start: {line!r}")
        self.url, *self.extra = line.split()[1:]

    def cpu(self) -> float:
        """CPU seconds (user + system, all threads) the server has used so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> str:
        out, _ = self.proc.communicate(timeout=120)
        return out


# ---------------------------------------------------------------- load generator


def raw_request(url: str, headers: dict[str, str], body: bytes) -> bytes:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    lines = [f"POST {parts.path} HTTP/1.1", f"Host: {parts.netloc}"]
    lines += [f"{k}: {v}" for k, v in headers.items() if k.lower() != "host"]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class _Client(asyncio.Protocol):
    """One keep-alive connection of the generator: sends the next request once the answer to
    the last one is in. A protocol, not streams: the generator costs about half the CPU per
    request, CPU that it takes from the server's cores when they are shared (bench/processes.py)."""

    def __init__(self, queue: list[bytes], statuses: dict[int, int], done: asyncio.Future):
        self.queue, self.statuses, self.done = queue, statuses, done
        self.buffer = b""
        self.need = -1  # bytes of the current answer (head and body), once the head is in

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.next()

    def next(self) -> None:
        if self.queue:
            self.transport.write(self.queue.pop())
        else:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            if self.need < 0:
                end = self.buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                head = self.buffer[:end]
                length = 0
                at = head.lower().find(b"\r\ncontent-length:")
                if at >= 0:
                    stop = head.find(b"\r\n", at + 2)
                    length = int(head[at + 17 : stop if stop >= 0 else len(head)])
                self.status = int(head[9:12])
                self.need = end + 4 + length
            if len(self.buffer) < self.need:
                return
            self.statuses[self.status] = self.statuses.get(self.status, 0) + 1
            self.buffer, self.need = self.buffer[self.need :], -1
            self.next()

    def connection_lost(self, exc) -> None:
        if not self.done.done():
            self.done.set_result(None)


async def blast(url: str, requests: list[bytes], connections: int) -> tuple[float, dict]:
    """Send every prepared request over `connections` keep-alive connections; seconds taken."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    statuses: dict[int, int] = {}
    queue = list(reversed(requests))
    loop = asyncio.get_running_loop()

    async def worker() -> None:
        done = loop.create_future()
        await loop.create_connection(
            lambda: _Client(queue, statuses, done), parts.hostname, parts.port
        )
        await done

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(min(connections, len(requests)))))
    return time.perf_counter() - start, statuses


# ---------------------------------------------------------------- one database


def create_body(peer, i: int, alice: str) -> bytes:
    actor = peer.uri("bob")
    note = {
        "id": f"{peer.base}/objects/note-{i}",
        "type": "Note",
        "attributedTo": actor,
        "to": [alice],
        "cc": [],
        "content": f"<p>Bonjour Alice, la perceuse est disponible demain matin ? ({i})</p>",
        "published": "2026-12-01T18:00:00Z",
        "tag": [{"type": "Mention", "href": alice, "name": "@alice"}],
    }
    return json.dumps(
        {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{peer.base}/activities/create-{i}",
            "type": "Create",
            "actor": actor,
            "to": [alice],
            "cc": [],
            "published": "2026-12-01T18:00:00Z",
            "object": note,
        }
    ).encode()


async def measure_floor(peer, bodies: list[bytes], tmp: Path, args) -> tuple[float, float]:
    """bench/floor.py's server on the same core with the same bodies, signed for its URL:
    (activities per second, server CPU µs each)."""
    pem = tmp / "bob.pem"
    pem.write_text(peer.pem)
    floor = Server(["--serve-floor", str(pem), str(tmp)], args.server_core)
    signed = [raw_request(floor.url, peer.sign("bob", "POST", floor.url, b), b) for b in bodies]
    await blast(floor.url, signed[-200:], args.connections)  # warm up (stored twice: ignored)
    cpu = floor.cpu()
    seconds, statuses = await blast(floor.url, signed, args.connections)
    used = floor.cpu() - cpu
    stored = int(floor.stop().split("STORED ")[1].split()[0])
    if statuses != {202: len(bodies)} or stored != len(bodies):
        raise SystemExit(f"floor: unexpected answers {statuses}, {stored} stored")
    return len(bodies) / seconds, used / len(bodies) * 1e6


async def run_db(kind: str, args) -> list[tuple[float, float]]:
    from ap_support import Peer
    from sharing import database_url, drop_schema

    results = []
    peer = await Peer().start()
    for round_no in range(args.rounds):
        tmp = Path(tempfile.mkdtemp(prefix="inbox-bench-"))
        url, schema = database_url(kind, tmp)
        try:
            profile = args.profile if args.profile and round_no == 0 else None
            extra = ["--profile", profile] if profile else []
            node = Server(["--serve-node", url, str(tmp), *extra], args.server_core)
            inbox, alice = node.url, node.extra[0]
            # The first request fetches bob's key from the peer (served by this process).
            first = create_body(peer, -1, alice)
            warm = raw_request(inbox, peer.sign("bob", "POST", inbox, first), first)
            _, status = await blast(inbox, [warm], 1)
            assert status == {202: 1}, status
            bodies = [create_body(peer, i, alice) for i in range(args.n)]
            signed = [raw_request(inbox, peer.sign("bob", "POST", inbox, b), b) for b in bodies]
            cpu = node.cpu()
            inbox_s, statuses = await blast(inbox, signed, args.connections)
            inbox_cpu = node.cpu() - cpu
            stored = int(node.stop().split("STORED ")[1].split()[0]) - 1
            echo = Server(["--serve-echo"], args.server_core)
            plain = {"Content-Type": "application/json"}
            requests = [raw_request(echo.url, plain, b) for b in bodies]
            await blast(echo.url, requests[:200], args.connections)  # warm up
            cpu = echo.cpu()
            echo_s, echo_statuses = await blast(echo.url, requests, args.connections)
            echo_cpu = echo.cpu() - cpu
            echo.stop()
            floor = None
            if args.floor:
                floor = await measure_floor(peer, bodies, tmp, args)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            if schema:
                drop_schema(schema)
        if statuses != {202: args.n} or echo_statuses != {202: args.n}:
            raise SystemExit(f"unexpected answers: inbox {statuses}, echo {echo_statuses}")
        if stored != args.n:
            raise SystemExit(f"{args.n} answered 202 but {stored} stored")
        rate, echo_rate = args.n / inbox_s, args.n / echo_s
        per, echo_per = inbox_cpu / args.n * 1e6, echo_cpu / args.n * 1e6
        results.append((rate, echo_rate, per, echo_per))
        print(
            f"  round {round_no + 1}: inbox {rate:6.0f}/s ({stored} stored, {per:4.0f} µs CPU "
            f"each)   echo {echo_rate:6.0f}/s ({echo_per:3.0f} µs CPU each)   "
            f"ratio {rate / echo_rate:.2f}",
            flush=True,
        )
        if floor is not None:
            floor_rate, floor_per = floor
            print(
                f"           floor {floor_rate:6.0f}/s ({floor_per:4.0f} µs CPU each): ratio "
                f"floor/echo {floor_rate / echo_rate:.2f}, inbox/floor {rate / floor_rate:.2f}; "
                f"CPU echo/floor {echo_per / floor_per:.2f}, floor/inbox {floor_per / per:.2f}",
                flush=True,
            )
    await peer.stop()
    return results


async def main(args) -> None:
    pin(args.client_core)
    load = os.getloadavg()
    print(
        f"inbox bench {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC: {args.n} signed Create "
        f"activities, {args.connections} connections; server on core {args.server_core}, "
        f"generator on core {args.client_core}; load average {load[0]:.2f} {load[1]:.2f}"
    )
    from node.loops import loop_name, new_loop

    chosen = os.environ.get("BENCH_LOOP")
    node_loop = new_loop(chosen or "asyncio")
    print(
        f"event loops: inbox{' and floor' if args.floor else ''} on "
        f"{loop_name(node_loop)}, echo on {chosen or 'asyncio'}"
    )
    node_loop.close()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for kind in kinds:
        print(f"{kind}:", flush=True)
        results = await run_db(kind, args)
        rate, echo = max(r[0] for r in results), max(r[1] for r in results)
        per, echo_per = min(r[2] for r in results), min(r[3] for r in results)
        ratios = sorted(r[0] / r[1] for r in results)
        print(
            f"  best rounds: inbox {rate:.0f}/s, echo {echo:.0f}/s, ratio of the bests "
            f"{rate / echo:.2f} (median of the rounds' ratios {ratios[len(ratios) // 2]:.2f})"
        )
        print(
            f"  server CPU per request (least of the rounds, load-proof): inbox {per:.0f} µs, "
            f"echo {echo_per:.0f} µs, ratio echo/inbox {echo_per / per:.2f}"
        )


def cli() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=3000, help="activities per round (default 3000)")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per database (default 3)")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections")
    parser.add_argument("--server-core", type=int, default=0)
    parser.add_argument("--client-core", type=int, default=1)
    parser.add_argument("--profile", help="write a cProfile of the server's first round here")
    parser.add_argument("--serve-node", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--serve-echo", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-floor", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also measure bench/floor.py: the least a verifying, storing inbox must do",
    )
    args = parser.parse_args()
    if args.serve_node or args.serve_echo or args.serve_floor:
        pin(args.server_core)
        from node.loops import new_loop

        # asyncio's loop, as `quartier serve` by default and bare aiohttp; BENCH_LOOP=uvloop puts
        # all three servers on uvloop (QUARTIER_EVENT_LOOP=uvloop, node/loops.py).
        loop = os.environ.get("BENCH_LOOP") or "asyncio"
        with asyncio.Runner(loop_factory=lambda: new_loop(loop)) as runner:
            if args.serve_echo:
                runner.run(serve_echo())
            elif args.serve_floor:
                from floor import serve_floor

                runner.run(serve_floor(*args.serve_floor))
            else:
                runner.run(serve_node(*args.serve_node, args.profile))
        return
    if (os.cpu_count() or 1) < 2:
        args.server_core = args.client_core = None
    asyncio.run(main(args))


if __name__ == "__main__":
    cli()
