"""Time-driven work, advanced with node.drain() and a node clock: expiry, renewal, loan reminders."""

import datetime as dt

from babel.dates import format_date
from helpers import api, sharing_pair
from test_loans import ask, day, move, notes, offer

from node.commit import commit
from node.local.listings import drafts as listing_drafts
from node.local.listings import write as listings
from node.local.listings.models import Listing
from node.local.loans.models import Loan
from node.local.models import utcnow


async def test_listings_expire_and_can_be_renewed_but_shelf_items_do_not(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    plain = await offer(client, ta, type_="gift", title="Sofa")
    shelf_item = await commit(
        node,
        listings.put_on_shelf,
        alice.id,
        listing_drafts.ListingDraft.parse({"kind": "offer", "type": "loan", "title": "Ladder"}),
    )
    assert await node.drain() == 0  # nothing due yet
    node.clock = lambda: utcnow() + dt.timedelta(days=node.settings.listing_days + 1)
    await node.drain()
    states = await node.db.run(
        lambda: {r.id: r.state for r in Listing.select(Listing.id, Listing.state)}
    )
    assert states == {plain: "expired", shelf_item.id: "open"}
    _, found, _ = await api(client, "GET", "/api/v1/listings", tb)
    assert [x["id"] for x in found] == [shelf_item.id]  # expired listings leave the index
    status, renewed, _ = await api(client, "GET", f"/api/v1/listings/{plain}", ta)
    assert renewed["state"] == "expired"
    await commit(node, listings.renew, alice.id, plain)
    status, renewed, _ = await api(client, "GET", f"/api/v1/listings/{plain}", ta)
    assert renewed["state"] == "open"
    assert renewed["expires_at"] > (utcnow() + dt.timedelta(days=59)).isoformat()


async def test_reminders_the_day_before_and_when_overdue_once_each(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    listing_id = await offer(client, ta)
    _, loan, _ = await ask(client, tb, listing_id, 1, 3)
    await move(client, ta, loan["id"], "accept")
    await move(client, ta, loan["id"], "handover")
    await node.drain()
    assert not any("Reminder" in n for n in await notes(node, bob.id))
    start = utcnow()
    node.clock = lambda: start + dt.timedelta(days=2)  # the day before `until`
    assert await node.drain() >= 1
    for resident in (alice, bob):
        assert (await notes(node, resident.id))[-1] == "Reminder: “Perceuse” goes back tomorrow."
    count = len(await notes(node, bob.id))
    await node.drain()
    assert len(await notes(node, bob.id)) == count  # once
    node.clock = lambda: start + dt.timedelta(days=5)  # overdue
    await node.drain()
    for resident in (alice, bob):
        # the date is formatted for the reader (Babel), not the raw ISO string
        shown = format_date(dt.date.fromisoformat(day(3)), "medium", locale="en")
        assert (await notes(node, resident.id))[-1] == f"“Perceuse” was due back on {shown}."
    await node.drain()
    assert len(await notes(node, bob.id)) == count + 1
    flags = await node.db.run(lambda: Loan.get_by_id(loan["id"]))
    assert flags.reminded_before and flags.reminded_overdue


async def test_returned_loans_get_no_reminder(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    listing_id = await offer(client, ta)
    _, loan, _ = await ask(client, tb, listing_id, 1, 2)
    for action in ("accept", "handover", "return"):
        await move(client, ta, loan["id"], action)
    node.clock = lambda: utcnow() + dt.timedelta(days=10)
    await node.drain()
    assert not any("due back" in n for n in await notes(node, bob.id))
