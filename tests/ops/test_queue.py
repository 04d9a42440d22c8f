"""One durable queue under inbox items, deliveries and mail: claimed with a lease, renewed by a
heartbeat, taken over after a worker dies; each inbox item processed once across processes."""

import asyncio
import collections
import dataclasses
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiosmtpd.controller import Controller
from ap_support import Peer, start_node
from helpers import free_port, make_quarter, make_resident

from node import mail_sender, migrations, queue
from node.activitypub import actors, delivery, inbox_work
from node.activitypub.models import INSTANCE, Delivery, Follower, InboxItem
from node.commit import commit
from node.local import outgoing_mail
from node.local.models import OutgoingMail, utcnow
from node.queue import LostClaim
from node.runtime import make_node

ROOT = Path(__file__).resolve().parents[2]
FOLLOWS = 100


class GatedPeer(Peer):
    """A foreign server whose inbox can hold every POST until the gate opens."""

    def __init__(self) -> None:
        super().__init__()
        self.shared = False
        self.gate = asyncio.Event()
        self.gate.set()
        self.held = 0

    async def _inbox(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.received.append((request.path, dict(request.headers), body))
        if not self.gate.is_set():
            self.held += 1
            await self.gate.wait()
        return web.Response(status=202)

    def accepts(self) -> collections.Counter:
        """How many Accepts each Follow (by id) received."""
        found = [a for a in self.activities() if a.get("type") == "Accept"]
        return collections.Counter(a["object"]["id"] for a in found)


def follow(peer: Peer, n: int, target: str) -> dict:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{peer.base}/p{n}#follows/1",
        "type": "Follow",
        "actor": peer.uri(f"p{n}"),
        "object": target,
    }


def env_of(settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUARTIER_")}
    for field in dataclasses.fields(settings):
        value = getattr(settings, field.name)
        if value is None or field.name in ("run_workers", "public_url"):
            continue
        env[f"QUARTIER_{field.name.upper()}"] = (
            str(value).lower() if isinstance(value, bool) else str(value)
        )
    env.update(QUARTIER_LOG_LEVEL="WARNING", QUARTIER_PUBLIC_URL=settings.public_url)
    env["PYTHONPATH"] = str(ROOT)
    return env


class Processes:
    """Real `python -m node serve|worker` processes on one database."""

    def __init__(self, settings, logs: Path) -> None:
        self.env = env_of(settings)
        self.logs = logs
        self.running: list[subprocess.Popen] = []

    def start(self, *args: str) -> subprocess.Popen:
        log = open(self.logs / f"{len(self.running)}-{args[0]}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "node", *args], cwd=ROOT, env=self.env,
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        self.running.append(proc)
        return proc

    async def serve(self, port: int) -> subprocess.Popen:
        proc = self.start("serve", "--host", "127.0.0.1", "--port", str(port))
        deadline = time.monotonic() + 60
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
                        if resp.status == 200:
                            return proc
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.2)  # waiting for another process to listen
        raise AssertionError(f"serve on port {port} did not start: {self.output()}")

    def output(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-2000:] for p in self.logs.glob("*.log"))

    def stop(self) -> None:
        for proc in self.running:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.running:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def seed(make_settings, port: int, **overrides):
    """Settings of one node (one database) with resident alice and every key made in advance."""
    settings = make_settings(
        "queue",
        public_url=f"http://127.0.0.1:{port}",
        allow_private_addresses=True,
        allow_http=True,
        **overrides,
    )
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


async def post_all(peer: Peer, public_inbox: str, jobs: list[tuple[str, dict]]) -> list[int]:
    """Real signed POSTs, many at once; signed for the node's public host (as behind a proxy)."""
    limit = asyncio.Semaphore(16)
    async with aiohttp.ClientSession() as session:

        async def one(url: str, activity: dict) -> int:
            body = json.dumps(activity).encode()
            async with limit:
                name = activity["actor"].rsplit("/", 1)[1]
                headers = peer.sign(name, "POST", public_inbox, body)
                async with session.post(url, data=body, headers=headers) as resp:
                    return resp.status

        return await asyncio.gather(*(one(url, activity) for url, activity in jobs))


def _queues() -> tuple[int, int, int, int]:
    waiting = InboxItem.select().where(InboxItem.state == "received").count()
    unsent = Delivery.select().where(Delivery.state.in_(["pending", "sending"])).count()
    return InboxItem.select().count(), waiting, unsent, Follower.select().count()


async def settled(db, peer: GatedPeer, procs: Processes, limit: float) -> float:
    """Wait until every follow is stored, processed and accepted and no delivery is left."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        items, waiting, unsent, _ = await db.run(_queues)
        if items == FOLLOWS and not waiting and not unsent and len(peer.accepts()) == FOLLOWS:
            return time.monotonic() - start
        await asyncio.sleep(0.2)  # other processes are working; nothing to drain here
    items, waiting, unsent, followers = await db.run(_queues)
    raise AssertionError(
        f"after {limit} s: {len(peer.accepts())} of {FOLLOWS} follows accepted, {items} items "
        f"({waiting} waiting), {unsent} deliveries unsent\n{procs.output()}"
    )


@pytest.fixture
async def world(make_settings, tmp_path):
    peer = await GatedPeer().start()
    made: list = []

    async def make(**overrides):
        port = free_port()
        settings, target, shared_inbox = await seed(make_settings, port, **overrides)
        procs = Processes(settings, tmp_path)
        observer = make_node(settings).db
        made.append((procs, observer))
        return settings, port, target, shared_inbox, procs, observer

    yield peer, make
    for procs, observer in made:
        procs.stop()
        observer.close()
    await peer.stop()


async def test_each_follow_is_accepted_once_by_three_worker_loops(world):
    # Given two `serve` processes (each with its worker loop) and a `worker` on one database
    peer, make = world
    settings, port_a, target, inbox_a, procs, db = await make()
    port_b = free_port()
    inbox_b = inbox_a.replace(f":{port_a}/", f":{port_b}/")
    await procs.serve(port_a)
    await procs.serve(port_b)
    procs.start("worker")
    # When 100 Follows are each POSTed twice to each serve process, all at once
    jobs = [
        (url, follow(peer, n, target)) for n in range(FOLLOWS) for url in (inbox_a, inbox_b) * 2
    ]
    statuses = await post_all(peer, inbox_a, jobs)
    assert collections.Counter(statuses) == {202: 4 * FOLLOWS}
    await settled(db, peer, procs, limit=120)
    # Then each is stored once and accepted exactly once
    items, _, _, followers = await db.run(_queues)
    assert (items, followers) == (FOLLOWS, FOLLOWS)
    accepts = peer.accepts()
    times = collections.Counter(accepts.values())  # before: {1: 40, 2: 53, 3: 7} (SQLite)
    assert sum(accepts.values()) == FOLLOWS, f"follows by number of Accepts: {dict(times)}"
    assert set(accepts) == {follow(peer, n, target)["id"] for n in range(FOLLOWS)}


async def test_a_killed_worker_s_claims_are_taken_over_within_seconds(world):
    lease = 3
    peer, make = world
    settings, port_a, target, inbox_a, procs, db = await make(
        queue_lease_seconds=lease, http_timeout_seconds=300
    )
    # Given the follower's server holds every POST, and worker A claims the Accepts to send
    peer.gate.clear()
    victim = await procs.serve(port_a)
    jobs = [(inbox_a, follow(peer, n, target)) for n in range(FOLLOWS) for _ in (1, 2)]
    assert collections.Counter(await post_all(peer, inbox_a, jobs)) == {202: 2 * FOLLOWS}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        sending = await db.run(lambda: Delivery.select().where(Delivery.state == "sending").count())
        if sending and peer.held == sending:
            break
        await asyncio.sleep(0.1)  # A is working in its own process
    in_flight = set(peer.accepts())
    assert in_flight, procs.output()
    # …and worker B runs beside it for more than two leases while A's requests hang:
    # A's heartbeat keeps its claims, so B sends none of them again
    await procs.serve(free_port())
    await asyncio.sleep(2 * lease + 1)  # time itself is the subject: leases must be renewed
    assert max(peer.accepts().values()) == 1
    # When A is killed with SIGKILL and the follower's server answers again
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)
    killed = time.monotonic()
    peer.gate.set()
    # Then B takes A's claims over within seconds, and nothing is lost
    await settled(db, peer, procs, limit=60)
    recovery = time.monotonic() - killed
    print(f"recovery after kill -9: {recovery:.1f} s (lease {lease} s)")
    assert recovery < lease + 10
    items, _, _, followers = await db.run(_queues)
    assert (items, followers) == (FOLLOWS, FOLLOWS)
    accepts = peer.accepts()
    assert len(accepts) == FOLLOWS
    # at least once: only what A had sent when it died is sent a second time
    assert {fid for fid, n in accepts.items() if n > 1} <= in_flight
    assert max(accepts.values()) <= 2


# ---------------------------------------------------------------- in one process, step by step


@pytest.fixture
async def pair(make_settings):
    """Two workers (nodes) on one database; B shares A's HTTP client."""
    a, runner = await start_node(make_settings, "a", queue_lease_seconds=30)
    peer = await GatedPeer().start()
    await make_quarter(a)
    await make_resident(a, "alice")
    b = make_node(a.settings)
    b.http = a.http
    yield a, b, peer
    b.db.close()
    await peer.stop()
    await runner.cleanup()


def _expire(model):
    def work():
        past = utcnow() - dt.timedelta(seconds=1)
        return model.update(claimed_until=past).where(model.claimed_until.is_null(False)).execute()

    return work


async def test_an_inbox_item_taken_over_is_processed_by_the_new_holder_only(pair):
    a, b, peer = pair
    for n in range(5):
        status, _ = await peer.post(
            a.urls.shared_inbox(), follow(peer, n, a.urls.actor("alice")), name=f"p{n}"
        )
        assert status == 202
    # Given worker A claimed the five items…
    items = await a.db.atomic(inbox_work._claim, a, 50)
    a.claims.hold(inbox_work.QUEUE, [i.id for i in items])
    assert len(items) == 5
    # …then worker B finds nothing to do while A's lease runs
    assert await inbox_work.process_pending(b) == 0
    # When A stops renewing (it hangs) and its lease runs out, B takes the items over
    await b.db.run(_expire(InboxItem))
    assert await inbox_work.process_pending(b) == 5
    # …and A, waking up late, cannot mark them done: its work is rolled back
    for item in items:
        await inbox_work.process_one(a, item)
    assert a.claims.holding() == {}
    await a.drain()
    assert sum(peer.accepts().values()) == 5
    states = await a.db.run(lambda: [i.state for i in InboxItem.select()])
    assert states == ["processed"] * 5


async def test_the_heartbeat_renews_held_leases_and_gives_them_back_at_exit(pair):
    a, b, peer = pair
    for n in range(3):
        await peer.post(a.urls.shared_inbox(), follow(peer, n, a.urls.actor("alice")), name=f"p{n}")
    items = await a.db.atomic(inbox_work._claim, a, 50)
    a.claims.hold(inbox_work.QUEUE, [i.id for i in items])
    first = await a.db.run(lambda: max(i.claimed_until for i in InboxItem.select()))
    later_now = utcnow() + dt.timedelta(seconds=5)
    renewed = await a.db.atomic(queue.renew, a.claims, a.claims.holding(), later_now)
    assert renewed == 3
    later = await a.db.run(lambda: min(i.claimed_until for i in InboxItem.select()))
    assert later > first
    # a worker stopping cleanly gives its rows back: no one waits for the lease
    task = asyncio.create_task(queue.heartbeat(a.db, a.claims))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert a.claims.holding() == {}
    assert await inbox_work.process_pending(b) == 3


async def test_a_delivery_taken_over_is_recorded_by_its_new_holder(pair):
    a, b, peer = pair
    await peer.post(a.urls.shared_inbox(), follow(peer, 1, a.urls.actor("alice")), name="p1")
    await inbox_work.process_pending(a)
    claimed = await a.db.atomic(delivery._claim, a, utcnow(), 10)
    assert len(claimed) == 1
    assert await delivery.run_once(b) == 0  # held by A
    await b.db.run(_expire(Delivery))
    assert await delivery.run_once(b) == 1
    with pytest.raises(LostClaim):
        await a.db.atomic(delivery._finish, a, claimed[0], "retry", 500, "late", None)
    rows = await a.db.run(lambda: [(d.state, d.attempts, d.claimed_by) for d in Delivery.select()])
    assert rows == [("sent", 1, "")]


@pytest.fixture
def smtp():
    class Sink:
        def __init__(self):
            self.envelopes = []

        async def handle_DATA(self, server, session, envelope):
            self.envelopes.append(envelope)
            return "250 OK"

    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


async def test_mail_held_by_a_dead_worker_is_sent_by_another_after_the_lease(
    make_settings, smtp, cleanup
):
    sink, port = smtp
    a = make_node(make_settings("mail", smtp_host="127.0.0.1", smtp_port=port))
    cleanup.callback(a.db.close)
    await a.db.run(migrations.apply, a.db.peewee)
    b = make_node(a.settings)
    mail_id = await commit(a, lambda tx: outgoing_mail.queue("z@example.test", "Hi", "Bonjour").id)
    # Given worker A took the mail and died before sending it
    taken = await a.db.atomic(mail_sender.take, a, utcnow())
    assert [m.id for m in taken] == [mail_id]
    lease = await a.db.run(lambda: OutgoingMail.get_by_id(mail_id).claimed_until - utcnow())
    assert lease <= dt.timedelta(seconds=30)  # not ten minutes
    assert await mail_sender.send_due(b) == 0
    # When the lease is over, B sends it, once
    await b.db.run(_expire(OutgoingMail))
    assert await mail_sender.send_due(b) == 1
    assert len(sink.envelopes) == 1
    with pytest.raises(LostClaim):
        await a.db.atomic(mail_sender.mark_sent, a, mail_id, utcnow())
    assert await mail_sender.send_due(b) == 0
    assert (await b.db.run(lambda: OutgoingMail.get_by_id(mail_id).state)) == "sent"
    b.db.close()
