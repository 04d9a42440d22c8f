"""Inbox throughput of `quartier serve` with 1 and with 2 processes (--processes 2) on PostgreSQL.

Real `python -m node serve --no-workers` processes on a fresh database: the single process, then the
supervisor with two children sharing the port through SO_REUSEPORT. Both use the 2 cores of the
machine (not pinned); the load generator is bench/inbox.py's (keep-alive HTTP/1.1 connections as
asyncio protocols, every request signed and written out before the clock starts), run in this
process, so it takes its share of the same cores, and so does PostgreSQL. The bench prints what
each costs per activity (CPU of the server processes, of the generator, of the bench database's
PostgreSQL backends), the commits and rows written per activity, and the ratio those figures allow
on this machine. Every 202 means the activity is committed; the bench counts the stored rows at the
end and checks that none is missing. SQLite is not measured: serve refuses --processes above 1
there (one writer at a time).

    python bench/processes.py                  # 4,000 activities, 3 rounds each
    python bench/processes.py -n 6000 --rounds 5 --connections 64

PostgreSQL: a fresh database on the server of QUARTIER_BENCH_PG (default
postgresql://postgres@127.0.0.1/test), dropped at the end; a database of its own so that the CPU
of its PostgreSQL backends and its transactions can be counted apart from other clients.
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


def fresh_database() -> tuple[str, str]:
    """A database of its own (not a schema in a shared one): its PostgreSQL backends and its
    commits can then be told apart from other clients of the same server. Returns (url, name)."""
    import uuid

    import psycopg2
    from sharing import PG

    name = f"bench_processes_{uuid.uuid4().hex[:8]}"
    conn = psycopg2.connect(PG.replace("postgresql://", "postgres://"))
    conn.autocommit = True
    conn.cursor().execute(f"CREATE DATABASE {name}")
    conn.close()
    return f"{PG.rsplit('/', 1)[0]}/{name}?max_connections=8", name


def drop_database(name: str) -> None:
    import psycopg2
    from sharing import PG

    conn = psycopg2.connect(PG.replace("postgresql://", "postgres://"))
    conn.autocommit = True
    conn.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    conn.close()


def database_figures(name: str) -> dict:
    """Of the bench's database: its backends' CPU seconds so far (by pid: a backend that is new
    later counts from 0), transactions committed, rows inserted or updated."""
    import psycopg2
    from sharing import PG

    conn = psycopg2.connect(PG.replace("postgresql://", "postgres://"))
    try:
        cur = conn.cursor()
        cur.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid != pg_backend_pid()",
            (name,),
        )
        cpu = {pid: cpu_of([pid]) for (pid,) in cur.fetchall()}
        cur.execute(
            "SELECT xact_commit, tup_inserted + tup_updated FROM pg_stat_database "
            "WHERE datname = %s",
            (name,),
        )
        commits, rows = cur.fetchone()
        return {"cpu": cpu, "commits": commits, "rows": rows}
    finally:
        conn.close()


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


async def one_round(peer, processes: int, args) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="processes-bench-"))
    url, database = fresh_database()
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
        if os.environ.get("QUARTIER_EVENT_LOOP"):  # to compare the loops (node/loops.py)
            env["QUARTIER_EVENT_LOOP"] = os.environ["QUARTIER_EVENT_LOOP"]
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
        await asyncio.sleep(1.0)  # the warm-up's statistics are sent (PostgreSQL 15: each second)
        before = await asyncio.to_thread(database_figures, database)
        cpu = cpu_of(pids)
        mine = time.process_time()
        seconds, statuses = await blast(inbox, signed, args.connections)
        generator = time.process_time() - mine
        used = cpu_of(pids) - cpu
        during = await asyncio.to_thread(database_figures, database)
        pg_used = sum(t - before["cpu"].get(pid, 0.0) for pid, t in during["cpu"].items())
        if statuses != {202: args.n}:
            raise SystemExit(f"unexpected answers: {statuses}")
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        proc = None
        await asyncio.sleep(0.5)  # the servers' backends have ended and sent their statistics
        after = await asyncio.to_thread(database_figures, database)
        commits = [after[k] - before[k] for k in ("commits", "rows")]
        kept = await asyncio.to_thread(stored, url, tmp) - len(warm)
        if kept != args.n:
            raise SystemExit(f"{args.n} answered 202 but {kept} stored")
        return {
            "rate": args.n / seconds, "server": used, "kept": kept, "generator": generator,
            "postgres": pg_used, "commits": commits[0], "rows": commits[1],
        }  # fmt: skip
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
        drop_database(database)


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
    least: dict[int, dict[str, float]] = {}
    ratios = []
    try:
        for round_no in range(args.rounds):
            rates = {}
            for processes in (1, 2):  # side by side in each round: the load drifts alike
                got = await one_round(peer, processes, args)
                rates[processes] = got["rate"]
                best[processes] = max(best.get(processes, 0.0), got["rate"])
                per = {k: got[k] / got["kept"] * 1e6 for k in ("server", "generator", "postgres")}
                mins = least.setdefault(processes, {})
                for k, v in per.items():
                    mins[k] = min(mins.get(k, v), v)
                load = os.getloadavg()[0]
                print(
                    f"  round {round_no + 1}, {processes} process(es): {got['rate']:6.0f}/s "
                    f"({got['kept']} stored; CPU µs each: server {per['server']:4.0f}, "
                    f"generator {per['generator']:3.0f}, PostgreSQL {per['postgres']:3.0f}; "
                    f"{got['commits'] / got['kept']:.2f} commits and "
                    f"{got['rows'] / got['kept']:.2f} rows written each; load {load:.2f})",
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
    one, two = least[1], least[2]
    print(
        f"CPU µs per activity (least of the rounds): server {one['server']:.0f} with 1 process, "
        f"{two['server']:.0f} with 2 (equal means the second core is all gain); the generator "
        f"{one['generator']:.0f} / {two['generator']:.0f}, PostgreSQL {one['postgres']:.0f} / "
        f"{two['postgres']:.0f}, on the same 2 cores"
    )
    # 2 processes can at most keep every core busy: cores / (server + generator + PostgreSQL) per
    # activity. Set against what 1 process reached, not against its CPU: the single process does
    # not keep its core busy all the time (it waits for its commits), so that would understate it.
    whole = two["server"] + two["generator"] + two["postgres"]
    most = (os.cpu_count() or 1) * 1e6 / whole
    print(
        f"most that 2 processes could reach with all {os.cpu_count()} cores busy: {most:.0f}/s "
        f"= {most / best[1]:.2f}× the single process's best (server + generator + PostgreSQL = "
        f"{whole:.0f} µs per activity); the single process with its core always busy: "
        f"{1e6 / one['server']:.0f}/s"
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
