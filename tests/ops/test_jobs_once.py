"""Background jobs that are not queues run once even when several processes run them at once:
daily digests and loan reminders (four nodes on one database, each with its own connections,
running the same step at the same moment; on PostgreSQL they truly overlap)."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt

from helpers import api, make_quarter, make_resident, make_token, node_of

from node import clock_steps
from node.commit import commit
from node.local.messages import conversations as messages
from node.local.models import OutgoingMail, utcnow
from node.local.notifications import read as notifications
from node.local.notifications.models import Notification
from node.runtime import make_node

PROCESSES = 4
ROUNDS = 3


async def beside(node, n: int) -> list:
    """`n` more nodes on the same database: what other processes would be."""
    return [make_node(node.settings) for _ in range(n)]


async def test_each_resident_gets_one_digest_when_processes_race(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    readers = [await make_resident(node, f"r{i}") for i in range(12)]
    for reader in readers:
        await commit(node, notifications.set_preferences, reader.id, {"message": "digest"})
        for text in ("one", "two"):
            await commit(node, messages.send, alice.id, reader.id, text)
    yesterday = utcnow() - dt.timedelta(days=1, minutes=1)
    await node.db.run(lambda: Notification.update(created_at=yesterday).execute())
    others = await beside(node, PROCESSES - 1)
    try:
        # When every process runs the digest step at the same moment, a few times
        for _ in range(ROUNDS):
            await asyncio.gather(*(notifications.digest_step(n) for n in [node, *others]))
        # Then each reader got exactly one summary of both messages
        mails = await node.db.run(lambda: list(OutgoingMail.select()))
        digests = collections.Counter(m.to for m in mails if "daily summary" in m.subject)
        assert digests == {f"r{i}@example.test": 1 for i in range(12)}
        assert all("(2)" in m.subject for m in mails if "daily summary" in m.subject)
    finally:
        for other in others:
            other.db.close()


async def test_each_loan_reminder_is_sent_once_when_processes_race(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    ta = await make_token(node, alice.id)
    today = utcnow().date()
    loans = []
    for i in range(6):
        bob = await make_resident(node, f"b{i}")
        tb = await make_token(node, bob.id)
        body = {"kind": "offer", "type": "loan", "title": f"Perceuse {i}"}
        status, listing, _ = await api(client, "POST", "/api/v1/listings", ta, body)
        assert status == 201
        dates = {
            "from": str(today + dt.timedelta(days=1)),
            "until": str(today + dt.timedelta(days=3)),
        }
        status, loan, _ = await api(
            client, "POST", f"/api/v1/listings/{listing['id']}/loans", tb, dates
        )
        assert status == 201, loan
        for action in ("accept", "handover"):
            status, _, _ = await api(client, "POST", f"/api/v1/loans/{loan['id']}/{action}", ta)
            assert status == 200
        loans.append(loan["id"])
    others = await beside(node, PROCESSES - 1)
    start = utcnow()
    try:
        for moment, expected in ((2, "goes back tomorrow"), (5, "was due back")):
            # When every process runs the reminder step on the same day, a few times
            for n in [node, *others]:
                n.clock = lambda m=moment: start + dt.timedelta(days=m)
            for _ in range(ROUNDS):
                await asyncio.gather(*(clock_steps.loan_reminders(n) for n in [node, *others]))
            # Then each party of each loan was reminded once
            found = await node.db.run(
                lambda: [(n.resident_id, n.text) for n in Notification.select()]
            )
            counted = collections.Counter(item for item in found if expected in item[1])
            assert len(counted) == 12 and set(counted.values()) == {1}, counted  # 6 loans × 2
    finally:
        for other in others:
            other.db.close()
