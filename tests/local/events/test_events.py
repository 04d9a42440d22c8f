"""Events through the JSON API: capacity, waiting list moving up, approval, cancel notifies."""

import pytest
from factories import bearer, event_body
from helpers import make_quarter, make_resident, node_of

from node.local.events.models import Event
from node.local.models import OutgoingMail
from node.local.notifications.models import Notification


async def _setup(client, *names):
    node = node_of(client)
    await make_quarter(node)
    people = [await make_resident(node, name) for name in names]
    return node, people, [await bearer(node, p) for p in people]


async def test_event_is_scheduled_with_local_time_stored_as_utc(client):
    node, _, (h,) = await _setup(client, "alice")
    body = event_body(start="2030-06-21T18:00", end="2030-06-21T23:30", capacity=2)
    response = await client.post("/api/v1/events", json=body, headers=h)
    assert response.status == 201, await response.text()
    data = await response.json()
    assert data["url"] == f"http://127.0.0.1:8080/events/{data['id']}"
    assert data["start"] == "2030-06-21T18:00:00+02:00"
    event = await node.db.run(Event.get_by_id, data["id"])
    assert event.starts_at.hour == 16  # Paris summer time is UTC+2
    assert event.category == "COMMUNITY" and event.reach == "quarter"


async def test_event_end_must_follow_start_and_zone_must_exist(client):
    _, _, (h,) = await _setup(client, "alice")
    bad = event_body(start="2030-06-21T18:00", end="2030-06-21T17:00", timezone="Mars/Olympus")
    response = await client.post("/api/v1/events", json=bad, headers=h)
    assert response.status == 422
    data = await response.json()
    assert data["error"] == "invalid"
    assert {"timezone", "end"} <= set(data["fields"])


async def test_full_event_puts_people_on_waiting_list_that_moves_up(client):
    node, people, (ha, hb, hc, hd) = await _setup(client, "alice", "bob", "carol", "dave")
    created = await client.post("/api/v1/events", json=event_body(capacity=2), headers=ha)
    event_id = (await created.json())["id"]
    answers = []
    for h in (hb, hc, hd):
        r = await client.post(
            f"/api/v1/events/{event_id}/rsvp", json={"status": "going"}, headers=h
        )
        answers.append((await r.json())["status"])
    assert answers == ["going", "going", "waiting"]
    detail = await (await client.get(f"/api/v1/events/{event_id}", headers=ha)).json()
    assert [p["username"] for p in detail["participants"]] == ["bob", "carol"]
    assert [p["username"] for p in detail["waiting_list"]] == ["dave"]
    # When bob leaves, dave moves up automatically and is told
    r = await client.post(
        f"/api/v1/events/{event_id}/rsvp", json={"status": "not_going"}, headers=hb
    )
    assert (await r.json())["status"] == "not_going"
    detail = await (await client.get(f"/api/v1/events/{event_id}", headers=hd)).json()
    assert [p["username"] for p in detail["participants"]] == ["carol", "dave"]
    assert detail["waiting_list"] == [] and detail["my_status"] == "going"
    dave = people[3]
    notes = await node.db.run(
        lambda: list(Notification.select().where(Notification.resident == dave.id))
    )
    assert any("place freed up" in n.text for n in notes)


async def test_capacity_is_never_exceeded_and_cannot_drop_below_going(client):
    node, people, headers = await _setup(client, "alice", "bob", "carol", "dave")
    created = await client.post("/api/v1/events", json=event_body(capacity=1), headers=headers[0])
    event_id = (await created.json())["id"]
    for h in headers[1:]:
        await client.post(f"/api/v1/events/{event_id}/rsvp", json={"status": "going"}, headers=h)
    detail = await (await client.get(f"/api/v1/events/{event_id}", headers=headers[0])).json()
    assert len(detail["participants"]) == 1 and len(detail["waiting_list"]) == 2


async def test_approval_mode_needs_the_organiser(client):
    node, people, (ha, hb) = await _setup(client, "alice", "bob")
    created = await client.post("/api/v1/events", json=event_body(join_mode="approval"), headers=ha)
    event_id = (await created.json())["id"]
    r = await client.post(f"/api/v1/events/{event_id}/rsvp", json={"status": "going"}, headers=hb)
    assert (await r.json())["status"] == "pending"
    detail = await (await client.get(f"/api/v1/events/{event_id}", headers=ha)).json()
    assert [p["username"] for p in detail["pending"]] == ["bob"]
    assert detail["participants"] == []
    from node.commit import commit
    from node.local import errors
    from node.local.events import write as events
    from node.local.events.models import Rsvp

    rsvp = await node.db.run(lambda: Rsvp.get(Rsvp.event == event_id))
    # bob cannot approve himself
    with pytest.raises(errors.NotAllowed):  # bob approved himself
        await commit(node, events.decide, people[1].id, rsvp.id, True)
    await commit(node, events.decide, people[0].id, rsvp.id, True)
    detail = await (await client.get(f"/api/v1/events/{event_id}", headers=hb)).json()
    assert detail["my_status"] == "going"


async def test_cancelling_notifies_participants_by_mail_and_blocks_rsvp(client):
    node, people, (ha, hb, hc) = await _setup(client, "alice", "bob", "carol")
    created = await client.post("/api/v1/events", json=event_body(), headers=ha)
    event_id = (await created.json())["id"]
    await client.post(f"/api/v1/events/{event_id}/rsvp", json={"status": "going"}, headers=hb)
    r = await client.post(f"/api/v1/events/{event_id}/cancel", headers=hc)
    assert r.status == 403  # not an organiser
    r = await client.post(f"/api/v1/events/{event_id}/cancel", headers=ha)
    assert r.status == 200 and (await r.json())["status"] == "cancelled"
    mails = await node.db.run(
        lambda: list(OutgoingMail.select().where(OutgoingMail.to == "bob@example.test"))
    )
    assert any("cancelled" in m.subject for m in mails)
    r = await client.post(f"/api/v1/events/{event_id}/rsvp", json={"status": "going"}, headers=hc)
    assert r.status == 409
    assert (await r.json())["error"] == "conflict"


async def test_upcoming_events_are_listed_and_paged(client):
    _, _, (ha,) = await _setup(client, "alice")
    for i in range(3):
        await client.post("/api/v1/events", json=event_body(title=f"E{i}"), headers=ha)
    r = await client.get("/api/v1/events?limit=2", headers=ha)
    assert r.status == 200 and len(await r.json()) == 2
    assert 'rel="next"' in r.headers["Link"]


async def test_events_api_needs_a_token(client):
    node = node_of(client)
    await make_quarter(node)
    r = await client.post("/api/v1/events", json=event_body())
    assert r.status == 401
    assert (await r.json())["error"] == "unauthorized"


async def test_concurrent_rsvps_never_exceed_capacity(client):
    # Given an event with two places and six neighbours answering at the same moment
    import asyncio

    from node.commit import commit
    from node.local.events import write as events

    node, people, headers = await _setup(client, "alice", "b1", "b2", "b3", "b4", "b5", "b6")
    created = await client.post("/api/v1/events", json=event_body(capacity=2), headers=headers[0])
    event_id = (await created.json())["id"]
    # When they all RSVP concurrently (PostgreSQL runs these on several threads)
    rows = await asyncio.gather(
        *(commit(node, events.rsvp, p.id, event_id, "going") for p in people[1:])
    )
    # Then exactly two are going and four wait, in a strict order
    statuses = sorted(r.status for r in rows)
    assert statuses == ["going", "going", "waiting", "waiting", "waiting", "waiting"]
    assert await node.db.run(events.going_count, event_id) == 2
