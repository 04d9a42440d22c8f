"""RSVPs across the border (Join / Accept / TentativeAccept / Leave), and with a Mobilizon-shaped peer."""

import datetime as dt
import json

from across_support import call, nodes, settle, stop
from ap_support import PUBLIC, Peer, start_node
from factories import event_body
from helpers import make_quarter, make_resident, make_token

from node import following
from node.activitypub.models import InboxItem
from node.local.events.models import Event
from node.local.models import utcnow


async def remote_event(a, b_side, follower, body):
    """The organiser on B schedules a public event; `follower` on A follows B's quarter first."""
    b = b_side["node"]
    await following.follow(a, follower, f"@{b_side['quarter'].slug}@{b.urls.host}")
    await settle(a, b)
    status, event = await call(b, "POST", "/api/v1/events", b_side["tokens"]["jonas"], body)
    assert status == 201, event
    await settle(a, b)
    local = await a.db.run(lambda: Event.get(Event.external_ref == b.urls.event(event["id"])))
    return event["id"], local.id


async def status_on(node, token, event_id):
    _, data = await call(node, "GET", f"/api/v1/events/{event_id}", token)
    return data["my_status"]


async def test_rsvp_across_the_border_with_capacity_and_waiting_list(make_settings, cleanup):
    fr, de = await nodes(
        make_settings,
        ("fr", "centre", "FR", ["camille", "louis"]),
        ("de", "aachen", "DE", ["jonas"]),
    )
    a, b = fr["node"], de["node"]
    camille, louis = fr["tokens"]["camille"], fr["tokens"]["louis"]
    cleanup.push_async_callback(stop, fr, de)
    b_id, a_id = await remote_event(
        a, de, "camille", event_body(title="Straßenfest", capacity=1, reach="public")
    )
    rsvp = f"/api/v1/events/{a_id}/rsvp"
    status, answer = await call(a, "POST", rsvp, camille, {"status": "going"})
    assert status == 200 and answer["status"] == "pending"  # until the organiser's node answers
    await settle(a, b)
    assert await status_on(a, camille, a_id) == "going"
    # Louis asks too: the event is full, B puts him on its waiting list.
    await call(a, "POST", rsvp, louis, {"status": "going"})
    await settle(a, b)
    assert await status_on(a, louis, a_id) == "waiting"
    _, on_b = await call(b, "GET", f"/api/v1/events/{b_id}", de["tokens"]["jonas"])
    assert [p["username"] for p in on_b["participants"]] == [f"camille@{a.urls.host}"]
    assert [p["username"] for p in on_b["waiting_list"]] == [f"louis@{a.urls.host}"]
    # Camille leaves (Leave): B moves Louis up and only then sends him its Accept.
    await call(a, "POST", rsvp, camille, {"status": "not_going"})
    await settle(a, b)
    assert await status_on(a, camille, a_id) == "not_going"
    assert await status_on(a, louis, a_id) == "going"
    _, on_b = await call(b, "GET", f"/api/v1/events/{b_id}", de["tokens"]["jonas"])
    assert [p["username"] for p in on_b["participants"]] == [f"louis@{a.urls.host}"]
    assert on_b["waiting_list"] == []


def _mobilizon_event(peer, event_id, capacity=0, group=True):
    """An Event shaped like Mobilizon's (FEDERATION-NOTES §5.1)."""
    start = (utcnow() + dt.timedelta(days=5)).replace(microsecond=0)
    url = f"{peer.base}/events/{event_id}"
    return {
        "id": url,
        "type": "Event",
        "url": url,
        "name": "Rencontre au jardin",
        "content": "<p>Venez nombreux</p>",
        "mediaType": "text/html",
        "actor": peer.uri("organizer"),
        "attributedTo": peer.uri("jardin") if group else peer.uri("organizer"),
        "to": [PUBLIC],
        "cc": [peer.uri("organizer") + "/followers"],
        "startTime": start.isoformat() + "Z",
        "endTime": (start + dt.timedelta(hours=2)).isoformat() + "Z",
        "timezone": "Europe/Paris",
        "joinMode": "free",
        "maximumAttendeeCapacity": capacity,
        "participantCount": 0,
        "category": "MEETING",
        "status": "CONFIRMED",
        "ical:status": "CONFIRMED",
        "inLanguage": "fr",
        "uuid": "b5b2d4e0-4c5e-4b3b-a9c9-0e8f2a9f0d11",
    }


async def test_our_resident_joins_a_mobilizon_event(make_settings, cleanup):
    node, runner = await start_node(make_settings, "fr")
    peer = await Peer().start()
    peer.types["jardin"] = "Group"
    cleanup.push_async_callback(runner.cleanup)
    cleanup.push_async_callback(peer.stop)
    await make_quarter(node)
    camille = await make_resident(node, "camille")
    token = await make_token(node, camille.id)
    doc = _mobilizon_event(peer, "e1")
    create = {
        "@context": ["https://www.w3.org/ns/activitystreams"],
        "id": doc["id"] + "/activity",
        "type": "Create",
        "actor": peer.uri("organizer"),
        "to": [PUBLIC],
        "object": doc,
    }
    assert (await peer.post(node.urls.shared_inbox(), create, name="organizer"))[0] == 202
    await settle(node)
    event = await node.db.run(lambda: Event.get(Event.external_ref == doc["id"]))
    assert event.group_ref == peer.uri("jardin")
    assert event.language == "fr"  # Mobilizon's inLanguage is kept
    assert (
        await call(node, "POST", f"/api/v1/events/{event.id}/rsvp", token, {"status": "going"})
    )[1]["status"] == "pending"
    await settle(node)
    join = peer.activities()[-1]
    assert join["type"] == "Join" and join["object"] == doc["id"]
    assert join["actor"] == node.urls.actor("camille")
    # An Accept from someone else on that server is ignored (Mobilizon's own rule).
    stranger = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{peer.base}/accept/join/forged",
        "type": "Accept",
        "actor": peer.uri("random"),
        "object": {k: join[k] for k in ("id", "type", "actor", "object")},
    }
    await peer.post(node.urls.shared_inbox(), stranger, name="random")
    await settle(node)
    assert await status_on(node, token, event.id) == "pending"
    # The group accepts with the Join embedded, as Mobilizon does.
    accept = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{peer.base}/accept/join/1",
        "type": "Accept",
        "actor": peer.uri("jardin"),
        "attributedTo": peer.uri("jardin"),
        "object": {k: join[k] for k in ("id", "type", "actor", "object")},
    }
    assert (await peer.post(node.urls.shared_inbox(), accept, name="jardin"))[0] == 202
    await settle(node)
    assert await status_on(node, token, event.id) == "going"
    # Leaving sends Mobilizon's Leave{object: <event url>}.
    await call(node, "POST", f"/api/v1/events/{event.id}/rsvp", token, {"status": "not_going"})
    await settle(node)
    leave = peer.activities()[-1]
    assert (leave["type"], leave["object"], leave["actor"]) == (
        "Leave",
        doc["id"],
        node.urls.actor("camille"),
    )


async def test_a_mobilizon_user_joins_our_event(make_settings, cleanup):
    node, runner = await start_node(make_settings, "fr")
    peer = await Peer().start()
    cleanup.push_async_callback(runner.cleanup)
    cleanup.push_async_callback(peer.stop)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    token = await make_token(node, alice.id)
    status, event = await call(
        node, "POST", "/api/v1/events", token, event_body(capacity=1, reach="public")
    )
    url = node.urls.event(event["id"])

    async def join(name, number):
        activity = {
            "@context": ["https://www.w3.org/ns/activitystreams"],
            "id": f"{peer.base}/participants/{number}",
            "type": "Join",
            "actor": peer.uri(name),
            "object": url,
            "participationMessage": "Je viens avec une tarte",
        }
        assert (await peer.post(node.urls.shared_inbox(), activity, name=name))[0] == 202
        await settle(node)
        return activity

    first = await join("marie", 1)
    accept = peer.activities()[-1]
    # Mobilizon-compatible: actor = organiser, object = the embedded Join, id on our origin.
    assert accept["type"] == "Accept" and accept["actor"] == node.urls.actor("alice")
    assert accept["object"]["id"] == first["id"] and accept["object"]["object"] == url
    assert accept["id"].startswith(node.urls.base)
    # The same Join again is stored once and answered once.
    await peer.post(node.urls.shared_inbox(), first, name="marie")
    await settle(node)
    assert len([x for x in peer.activities() if x["type"] == "Accept"]) == 1
    await join("paul", 2)
    tentative = peer.activities()[-1]
    assert tentative["type"] == "TentativeAccept" and tentative["waitingPosition"] == 1
    _, full = await call(node, "GET", f"/api/v1/events/{event['id']}", token)
    assert [p["username"] for p in full["participants"]] == [f"marie@{peer.host}"]
    # Marie leaves: Paul moves up and gets his Accept now; nothing is sent back to Marie.
    leave = {
        "@context": ["https://www.w3.org/ns/activitystreams"],
        "id": f"{peer.base}/leave/event/1",
        "type": "Leave",
        "actor": peer.uri("marie"),
        "object": url,
    }
    await peer.post(node.urls.shared_inbox(), leave, name="marie")
    await settle(node)
    last = peer.activities()[-1]
    assert last["type"] == "Accept" and last["object"]["actor"] == peer.uri("paul")
    assert [x["type"] for x in peer.activities()].count("Reject") == 0
    items = await node.db.run(lambda: [i.state for i in InboxItem.select()])
    assert "rejected" not in items and json.dumps(items)


async def test_joins_needing_approval_and_joins_too_late_are_answered_with_reject(
    make_settings, cleanup
):
    from node.commit import commit
    from node.local.events import write as events
    from node.local.events.models import Rsvp

    node, runner = await start_node(make_settings, "fr")
    peer = await Peer().start()
    cleanup.push_async_callback(runner.cleanup)
    cleanup.push_async_callback(peer.stop)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    token = await make_token(node, alice.id)
    _, event = await call(
        node, "POST", "/api/v1/events", token, event_body(join_mode="approval", reach="public")
    )
    url = node.urls.event(event["id"])
    join = {
        "@context": ["https://www.w3.org/ns/activitystreams"],
        "id": f"{peer.base}/participants/7",
        "type": "Join",
        "actor": peer.uri("marie"),
        "object": url,
    }
    await peer.post(node.urls.shared_inbox(), join, name="marie")
    await settle(node)
    assert peer.activities() == []  # restricted: held until the organiser decides
    rsvp = await node.db.run(lambda: Rsvp.get(Rsvp.external_ref == join["id"]))
    assert rsvp.status == "pending"
    await commit(node, events.decide, alice.id, rsvp.id, False, actor_id=alice.id)
    await settle(node)
    reject = peer.activities()[-1]
    assert reject["type"] == "Reject" and reject["object"]["id"] == join["id"]
    assert reject["actor"] == node.urls.actor("alice")
    # A Join to a cancelled event is refused at once.
    await call(node, "POST", f"/api/v1/events/{event['id']}/cancel", token)
    late = dict(join, id=f"{peer.base}/participants/8", actor=peer.uri("paul"))
    await peer.post(node.urls.shared_inbox(), late, name="paul")
    await settle(node)
    answer = peer.activities()[-1]
    assert answer["type"] == "Reject" and answer["object"]["id"] == late["id"]


async def test_mobilizon_answers_naming_our_join_by_id_only(make_settings, cleanup):
    node, runner = await start_node(make_settings, "fr")
    peer = await Peer().start()
    peer.types["jardin"] = "Group"
    cleanup.push_async_callback(runner.cleanup)
    cleanup.push_async_callback(peer.stop)
    await make_quarter(node)
    camille = await make_resident(node, "camille")
    token = await make_token(node, camille.id)
    doc = _mobilizon_event(peer, "e2")
    create = {
        "@context": ["https://www.w3.org/ns/activitystreams"],
        "id": doc["id"] + "/activity",
        "type": "Create",
        "actor": peer.uri("organizer"),
        "to": [PUBLIC],
        "object": doc,
    }
    assert (await peer.post(node.urls.shared_inbox(), create, name="organizer"))[0] == 202
    await settle(node)
    event = await node.db.run(lambda: Event.get(Event.external_ref == doc["id"]))
    await call(node, "POST", f"/api/v1/events/{event.id}/rsvp", token, {"status": "going"})
    await settle(node)
    join = peer.activities()[-1]
    assert join["type"] == "Join"

    def answer(kind, number, actor="jardin"):
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://litepub.social"],
            "id": f"{peer.base}/{kind.lower()}/join/{number}",
            "type": kind,
            "actor": peer.uri(actor),
            "object": join["id"],  # Mobilizon sometimes names the Join by id only
        }

    # By id from a stranger: still refused.
    await peer.post(node.urls.shared_inbox(), answer("Accept", 0, "random"), name="random")
    await settle(node)
    assert await status_on(node, token, event.id) == "pending"
    assert (await peer.post(node.urls.shared_inbox(), answer("TentativeAccept", 1), name="jardin"))[
        0
    ] == 202
    await settle(node)
    assert await status_on(node, token, event.id) == "waiting"
    await peer.post(node.urls.shared_inbox(), answer("Accept", 2), name="jardin")
    await settle(node)
    assert await status_on(node, token, event.id) == "going"
