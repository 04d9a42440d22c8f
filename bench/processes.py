"""Inbox throughput of `quartier serve` with 1 and with 2 processes (--processes 2) on PostgreSQL.

Real `python -m node serve --no-workers` processes on a fresh schema: the single process, then the
supervisor with two children sharing the port through SO_REUSEPORT. Both use the 2 cores of the
machine (not pinned); the load generator is bench/inbox.py's (a keep-alive HTTP/1.1 client on raw
asyncio streams, pre-signed Create activities), run in this process, so it takes its share of the
same cores. Every 202 means the activity is committed; the bench counts the stored rows at the end
and checks that none is missing. SQLite is not measured: serve refuses --processes above 1 there
(one writer at a time).

    python bench/processes.py                  # 4,000 activities, 3 rounds each
    python bench/processes.py -n 6000 --rounds 5 --connections 64

PostgreSQL: a fresh schema on QUARTIER_BENCH_PG (default postgresql://postgres@127.0.0.1/test).
Loopback only. About a minute with the defaults.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

from inbox import blast, create_body, raw_request  # noqa: E402 - bench/inbox.py's generator
from sharing import database_url, drop_schema  # noqa: E402 - bench/sharing.py


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def seed(url: str, data_dir: Path, public_url: str) -> tuple[str, str]:
    """Resident alice and the keys, made before the servers start; returns (inbox, actor)."""
    from helpers import make_resident

    from node import migrations
    from node.activitypub import actors
    from node.activitypub.models import INSTANCE
    from node.runtime import make_node
    from node.settings import load_settings

    settings = load_settings(
        {}, None, data_dir=str(data_dir), database_url=url, secret_key="bench",
        public_url=public_url, tile_url="",
    )  # fmt: skip
    node = make_node(settings)
    try:
        await node.db.run(migrations.apply, node.db.peewee)
        await make_resident(node, "alice", quarter=None)
        for handle in ("alice", INSTANCE):
            await node.db.run(actors.ensure_key, handle)
        return node.urls.inbox("alice"), node.urls.actor("alice")
    finally:
        node.db.close()


def stored(url: str, data_dir: Path) -> int:
    from node.activitypub.models import InboxItem
    from node.runtime import make_node
    from node.settings import load_settings

    node = make_node(load_settings({}, None, data_dir=str(data_dir), database_url=url))
    try:
        node.db.bind_here()
        return InboxItem.select().count()
    finally:
        node.db.close()


def cpu_of(pids: list[int]) -> float:
    """CPU seconds (user + system) used so far by these processes."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


async def healthy(port: int, proc: subprocess.Popen, wanted: int) -> list[int]:
    """Wait until the server answers; returns the pids that serve (the children, if any)."""
    import aiohttp

    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                async with session.get(f"http://127.0.0.1:{port}/livez") as resp:
                    serving = children_of(proc.pid) if wanted > 1 else [proc.pid]
                    if resp.status == 200 and len(serving) == wanted:
                        await asyncio.sleep(1.0)  # let the last child bind too
                        return serving
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit(f"serve with {wanted} process(es) did not start")


async def one_round(peer, processes: int, args) -> tuple[float, float, int]:
    tmp = Path(tempfile.mkdtemp(prefix="processes-bench-"))
    url, schema = database_url("postgres", tmp)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = None
    try:
        inbox, alice = await seed(url, tmp, base)
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("QUARTIER_", "PROMETHEUS_"))
        }
        env.update(
            QUARTIER_DATA_DIR=str(tmp), QUARTIER_DATABASE_URL=url, QUARTIER_SECRET_KEY="bench",
            QUARTIER_PUBLIC_URL=base, QUARTIER_TILE_URL="", QUARTIER_LOG_LEVEL="WARNING",
            QUARTIER_ALLOW_PRIVATE_ADDRESSES="true", QUARTIER_ALLOW_HTTP="true",
            PYTHONPATH=str(ROOT),
        )  # fmt: skip
        command = [sys.executable, "-m", "node", "serve", "--port", str(port), "--no-workers"]
        if processes > 1:
            command += ["--processes", str(processes)]
        proc = subprocess.Popen(command, env=env, cwd=ROOT)
        pids = await healthy(port, proc, processes)
        # Warm-up: each process fetches bob's key once; new connections spread over the processes
        warm = [create_body(peer, -1 - i, alice) for i in range(8 * processes)]
        requests = [raw_request(inbox, peer.sign("bob", "POST", inbox, b), b) for b in warm]
        for request in requests:
            _, statuses = await blast(inbox, [request], 1)
            assert statuses == {202: 1}, statuses
        bodies = [create_body(peer, i, alice) for i in range(args.n)]
        signed = [raw_request(inbox, peer.sign("bob", "POST", inbox, b), b) for b in bodies]
        cpu = cpu_of(pids)
        seconds, statuses = await blast(inbox, signed, args.connections)
        used = cpu_of(pids) - cpu
        if statuses != {202: args.n}:
            raise SystemExit(f"unexpected answers: {statuses}")
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        proc = None
        kept = await asyncio.to_thread(stored, url, tmp) - len(warm)
        if kept != args.n:
            raise SystemExit(f"{args.n} answered 202 but {kept} stored")
        return args.n / seconds, used, kept
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
        if schema:
            drop_schema(schema)


async def main(args) -> None:
    from ap_support import Peer

    load = os.getloadavg()
    print(
        f"processes bench {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, PostgreSQL, "
        f"{os.cpu_count()} cores: {args.n} signed Create activities per round, "
        f"{args.connections} connections; load average {load[0]:.2f} {load[1]:.2f}",
        flush=True,
    )
    peer = await Peer().start()
    best: dict[int, float] = {}
    cpu: dict[int, float] = {}
    ratios = []
    try:
        for round_no in range(args.rounds):
            rates = {}
            for processes in (1, 2):  # side by side in each round: the load drifts alike
                rate, used, kept = await one_round(peer, processes, args)
                rates[processes] = rate
                best[processes] = max(best.get(processes, 0.0), rate)
                per = used / kept * 1e6
                cpu[processes] = min(cpu.get(processes, per), per)
                print(
                    f"  round {round_no + 1}, {processes} process(es): {rate:6.0f}/s "
                    f"({kept} stored; {per:4.0f} µs of server CPU each)",
                    flush=True,
                )
            ratios.append(rates[2] / rates[1])
    finally:
        await peer.stop()
    ratios.sort()
    print(
        f"best rounds: 1 process {best[1]:.0f}/s, 2 processes {best[2]:.0f}/s, ratio of the bests "
        f"{best[2] / best[1]:.2f} (median of the rounds' ratios {ratios[len(ratios) // 2]:.2f})"
    )
    print(
        f"server CPU per activity (least of the rounds): 1 process {cpu[1]:.0f} µs, "
        f"2 processes {cpu[2]:.0f} µs (equal means the second core is all gain)"
    )


def cli() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=4000, help="activities per round (default 4000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--connections", type=int, default=64, help="keep-alive connections")
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()
