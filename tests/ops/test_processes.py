"""Several processes on one PostgreSQL: two `serve` and two `worker` processes, signed activities
posted over real HTTP to both servers, one server and one worker killed with SIGKILL mid-run;
every activity is stored and processed exactly once, nothing is lost. And `serve --processes N`:
its children share one port, a killed child is replaced, SIGTERM stops them all."""

from __future__ import annotations

import asyncio
import collections
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest
from ap_support import Peer
from helpers import free_port, make_quarter, make_resident
from prometheus_client.parser import text_string_to_metric_families

from node import migrations
from node.activitypub import actors
from node.activitypub.models import INSTANCE, Delivery, Follower, InboxItem
from node.runtime import make_node

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]
FOLLOWS = 240
LEASE = 3


def env_of(settings, **extra: str) -> dict[str, str]:
    """The settings as QUARTIER_* variables, for real `python -m node` processes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QUARTIER_", "PROMETHEUS_"))}
    for name in ("data_dir", "database_url", "secret_key", "tile_url", "default_language"):
        env[f"QUARTIER_{name.upper()}"] = str(getattr(settings, name))
    env.update(
        QUARTIER_PUBLIC_URL=settings.public_url,
        QUARTIER_ALLOW_PRIVATE_ADDRESSES="true",
        QUARTIER_ALLOW_HTTP="true",
        QUARTIER_QUEUE_LEASE_SECONDS=str(LEASE),
        QUARTIER_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


class Processes:
    """Real `python -m node …` processes; their output in one log file each."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.running: list[subprocess.Popen] = []

    def start(self, *args: str) -> subprocess.Popen:
        with open(self.logs / f"{len(self.running)}-{args[0]}.log", "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "node", *args], cwd=ROOT, env=self.env,
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.running.append(proc)
        return proc

    async def serve(self, port: int, *extra: str) -> subprocess.Popen:
        proc = self.start("serve", "--host", "127.0.0.1", "--port", str(port), *extra)
        await until_healthy(port, proc, self)
        return proc

    def output(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in self.logs.glob("*.log"))

    def stop(self) -> None:
        for proc in self.running:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.running:
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def until_healthy(port: int, proc: subprocess.Popen, procs: Processes) -> None:
    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)  # another process is starting
    raise AssertionError(f"serve on port {port} did not start: {procs.output()}")


async def seed(make_settings, port: int):
    """One database with resident alice and every key made in advance."""
    settings = make_settings("many", public_url=f"http://127.0.0.1:{port}")
    node = make_node(settings)
    try:
        await node.db.run(migrations.apply, node.db.peewee)
        await make_quarter(node)
        await make_resident(node, "alice")
        for handle in ("alice", INSTANCE):
            await node.db.run(actors.ensure_key, handle)
        return settings, node.urls.actor("alice"), node.urls.shared_inbox()
    finally:
        node.db.close()


def follow(peer: Peer, n: int, target: str) -> dict:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{peer.base}/p{n}#follows/1",
        "type": "Follow",
        "actor": peer.uri(f"p{n}"),
        "object": target,
    }


class SlowPeer(Peer):
    """The followers' server: answers each Accept after a pause, so deliveries are in flight."""

    async def _inbox(self, request):
        await asyncio.sleep(0.05)
        return await super()._inbox(request)

    def accepts(self) -> collections.Counter:
        found = [a for a in self.activities() if a.get("type") == "Accept"]
        return collections.Counter(a["object"]["id"] for a in found)


MISSES: list[str] = []  # answers other than 202, for the failure messages


async def deliver(peer: Peer, public_inbox: str, urls: list[str], activity: dict) -> str:
    """POST like a remote server: signed, retried on the next URL while a server is down."""
    body = json.dumps(activity).encode()
    name = activity["actor"].rsplit("/", 1)[1]
    async with aiohttp.ClientSession() as session:
        for attempt in range(20):
            url = urls[attempt % len(urls)]
            try:
                headers = peer.sign(name, "POST", public_inbox, body)
                async with session.post(url, data=body, headers=headers) as resp:
                    if resp.status == 202:
                        return url
                    MISSES.append(f"{url}: {resp.status} {(await resp.text())[:200]}")
            except aiohttp.ClientError as exc:
                MISSES.append(f"{url}: {exc!r}")  # this server is gone: the next one
            await asyncio.sleep(0.1)
    raise AssertionError(f"{activity['id']} was never accepted: {MISSES[-5:]}")


def queues() -> dict[str, int]:
    return {
        "items": InboxItem.select().count(),
        "unprocessed": InboxItem.select().where(InboxItem.state != "processed").count(),
        "deliveries": Delivery.select().count(),
        "unsent": Delivery.select().where(Delivery.state != "sent").count(),
        "followers": Follower.select().count(),
    }


def claimed_by(pid: int) -> dict[str, list]:
    """What the process `pid` held when it died: inbox items and deliveries (node/queue.py)."""
    mine = f"%:{pid}:%"
    deliveries = Delivery.select().where(Delivery.claimed_by**mine)
    return {
        "items": [i.activity_id for i in InboxItem.select().where(InboxItem.claimed_by**mine)],
        "accepts": [json.loads(bytes(d.body))["object"]["id"] for d in deliveries],
    }


@pytest.fixture
async def many(make_settings, tmp_path):
    peer = await SlowPeer().start()
    made: list[Processes] = []

    async def make(port: int):
        settings, target, shared_inbox = await seed(make_settings, port)
        procs = Processes(env_of(settings), tmp_path)
        made.append(procs)
        return settings, target, shared_inbox, procs, make_node(settings).db

    yield peer, make
    for procs in made:
        procs.stop()
    await peer.stop()


async def test_two_servers_and_two_workers_process_each_activity_once_through_kill_9(many):
    peer, make = many
    port_a, port_b = free_port(), free_port()
    settings, target, inbox_a, procs, db = await make(port_a)
    inbox_b = inbox_a.replace(f":{port_a}/", f":{port_b}/")
    # Given two serve processes (each with its worker loop) and two workers on one PostgreSQL
    server_a = await procs.serve(port_a)
    await procs.serve(port_b)
    worker = procs.start("worker")
    procs.start("worker")
    try:
        # When signed Follows are posted over HTTP to both servers, half of them to each…
        jobs = [follow(peer, n, target) for n in range(FOLLOWS)]
        limit = asyncio.Semaphore(12)

        async def one(n: int, activity: dict) -> str:
            async with limit:
                urls = [inbox_a, inbox_b] if n % 2 == 0 else [inbox_b, inbox_a]
                return await deliver(peer, inbox_a, urls, activity)

        first = await asyncio.gather(*(one(n, a) for n, a in enumerate(jobs[: FOLLOWS // 2])))
        assert set(first) == {inbox_a, inbox_b}, (MISSES[:10], procs.output())
        rest = asyncio.gather(*(one(n, a) for n, a in enumerate(jobs) if n >= FOLLOWS // 2))
        # …and, mid-run, with work claimed, server A and a worker are killed with SIGKILL
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            held = await db.run(claimed_by, server_a.pid)
            if held["accepts"] or held["items"]:
                break
            await asyncio.sleep(0.02)  # the processes are working
        os.kill(server_a.pid, signal.SIGKILL)
        os.kill(worker.pid, signal.SIGKILL)
        server_a.wait(timeout=10)
        worker.wait(timeout=10)
        held = {k: v + w for (k, v), w in zip(
            (await db.run(claimed_by, server_a.pid)).items(),
            (await db.run(claimed_by, worker.pid)).values(), strict=True,
        )}  # fmt: skip
        assert held["accepts"] or held["items"], "the kill came before any work was claimed"
        await rest  # the rest of the activities go to B (A refuses connections now)
        # Then, once the survivors took the dead processes' claims over…
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            found = await db.run(queues)
            if found["unprocessed"] == found["unsent"] == 0 and found["followers"] == FOLLOWS:
                break
            await asyncio.sleep(0.2)  # the surviving processes are working
        found = await db.run(queues)
        # every activity was stored once and processed once: one Follower and one Accept each
        assert found == {
            "items": FOLLOWS,
            "unprocessed": 0,
            "deliveries": FOLLOWS,
            "unsent": 0,
            "followers": FOLLOWS,
        }, procs.output()
        # …and every Follow was accepted; only an Accept in flight when its sender died may have
        # been sent twice (delivery is at least once; receivers dedupe by id)
        accepts = peer.accepts()
        assert set(accepts) == {a["id"] for a in jobs}
        twice = {fid for fid, n in accepts.items() if n > 1}
        print(
            f"held at the kill: {len(held['items'])} items, {len(held['accepts'])} deliveries; sent twice: {len(twice)}"
        )
        assert twice <= set(held["accepts"])
        assert max(accepts.values()) <= 2
    finally:
        db.close()


async def test_serve_processes_share_a_port_replace_a_killed_child_and_stop_on_sigterm(many):
    peer, make = many
    port = free_port()
    settings, target, shared_inbox, procs, db = await make(port)
    try:
        # Given `serve --processes 2`
        parent = procs.start(
            "serve", "--host", "127.0.0.1", "--port", str(port), "--processes", "2"
        )
        await until_healthy(port, parent, procs)
        children = await asyncio.to_thread(children_of, parent.pid, 2)
        assert len(children) == 2
        # When one child is killed with SIGKILL, the parent starts another
        os.kill(children[0], signal.SIGKILL)
        deadline = time.monotonic() + 30
        now = children
        while time.monotonic() < deadline:
            now = children_of(parent.pid, 0)
            if len(now) == 2 and children[0] not in now:
                break
            await asyncio.sleep(0.2)  # the supervisor notices within a poll
        assert len(now) == 2 and children[0] not in now
        # …and the port keeps answering, with activities stored once
        for n in range(10):
            await deliver(peer, shared_inbox, [shared_inbox], follow(peer, n, target))
        found = await db.run(queues)
        assert found["items"] == 10
        # …and /metrics adds up the counters of every child, whichever one answers the scrape
        for _ in range(4):
            async with aiohttp.ClientSession() as session:
                async with session.get(f"http://127.0.0.1:{port}/metrics") as resp:
                    assert resp.status == 200
                    text = await resp.text()
            stored = [
                s.value
                for family in text_string_to_metric_families(text)
                for s in family.samples
                if s.name == "quartier_inbox_received_total" and s.labels == {"result": "stored"}
            ]
            assert stored == [10.0]
        # When the parent gets SIGTERM, every child stops and the parent exits 0
        parent.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(parent.wait, 60) == 0
        assert children_of(parent.pid, 0) == []
        for pid in now:
            assert not Path(f"/proc/{pid}").exists() or "zombie" in status_of(pid)
    finally:
        db.close()


def status_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return "zombie"


def children_of(pid: int, wanted: int) -> list[int]:
    """The live child processes of `pid` (waits up to 30 s for `wanted` of them)."""
    deadline = time.monotonic() + 30
    while True:
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
        if len(found) >= wanted or time.monotonic() > deadline:
            return sorted(found)
        time.sleep(0.2)  # the children are starting
