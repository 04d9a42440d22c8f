"""Reports reach the quarter's moderators, who hide, suspend or dismiss; the log is public to residents."""

import re

import pytest
from factories import bearer, event_body, make_listing
from helpers import login, make_quarter, make_resident, node_of

from node.commit import commit
from node.local.listings.models import Listing
from node.local.models import Resident
from node.local.moderation import actions as moderation
from node.local.moderation.models import Report


async def _setup(client):
    node = node_of(client)
    await make_quarter(node)
    await make_quarter(node, slug="north", name="North", postcodes=("35700",))
    people = {
        "alice": await make_resident(node, "alice"),
        "bob": await make_resident(node, "bob"),
        "mod": await make_resident(node, "mod", role="moderator"),
        "othermod": await make_resident(node, "othermod", role="moderator", quarter="north"),
    }
    return node, people


async def test_report_goes_to_the_quarter_queue_and_hiding_removes_it_from_the_feed(client):
    node, p = await _setup(client)
    listing = await make_listing(node, p["alice"], "Dubious offer")
    h = await bearer(node, p["bob"])
    r = await client.post(
        "/api/v1/reports",
        json={"target_type": "listing", "target_id": listing.id, "reason": "scam"},
        headers=h,
    )
    assert r.status == 201
    report_id = (await r.json())["id"]
    assert [x.id for x in await node.db.run(moderation.queue, p["mod"])] == [report_id]
    assert await node.db.run(moderation.queue, p["othermod"]) == []
    # a moderator of another quarter may not act on it
    with pytest.raises(moderation.NotAllowed):  # moderator of another quarter acted
        await commit(
            node, moderation.act, p["othermod"].id, "hide", "listing", listing.id, "", report_id
        )
    await login(client, "mod")
    page = await client.get("/moderation")
    text = await page.text()
    assert "Dubious offer" in text and "scam" in text
    token = re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)
    r = await client.post(
        "/moderation/act",
        data={
            "csrf_token": token,
            "report": report_id,
            "target_type": "listing",
            "target_id": listing.id,
            "action": "hide",
            "reason": "Looks like a scam",
        },
        allow_redirects=False,
    )
    assert r.status == 303
    assert (await node.db.run(Listing.get_by_id, listing.id)).hidden
    report = await node.db.run(Report.get_by_id, report_id)
    assert report.state == "resolved" and report.decided_by_id == p["mod"].id
    feed = await (await client.get("/api/v1/feed", headers=h)).json()
    assert feed == []
    # acting twice on the same report is refused
    r = await client.post(
        "/moderation/act",
        data={
            "csrf_token": token,
            "report": report_id,
            "target_type": "listing",
            "target_id": listing.id,
            "action": "hide",
        },
    )
    assert r.status == 409


async def test_suspended_resident_cannot_publish_or_message(client):
    node, p = await _setup(client)
    report = await commit(
        node, moderation.report, p["bob"].id, "resident", p["alice"].id, "harassment"
    )
    await commit(
        node,
        moderation.act,
        p["mod"].id,
        "suspend",
        "resident",
        p["alice"].id,
        "Harassment",
        report.id,
        3,
    )
    alice = await node.db.run(Resident.get_by_id, p["alice"].id)
    assert alice.suspended_until is not None
    h = await bearer(node, alice)
    r = await client.post("/api/v1/events", json=event_body(), headers=h)
    assert r.status == 403
    r = await client.post("/api/v1/messages", json={"to": "bob", "text": "hi"}, headers=h)
    assert r.status == 403
    await commit(node, moderation.act, p["mod"].id, "unsuspend", "resident", p["alice"].id, "ok")
    r = await client.post("/api/v1/messages", json={"to": "bob", "text": "sorry"}, headers=h)
    assert r.status == 201


async def test_dismiss_warn_and_the_log_is_visible_to_residents_of_the_quarter(client):
    node, p = await _setup(client)
    h = await bearer(node, p["bob"])
    event = await (
        await client.post(
            "/api/v1/events", json=event_body(), headers=await bearer(node, p["alice"])
        )
    ).json()
    r = await client.post(
        "/api/v1/reports",
        json={"target_type": "event", "target_id": event["id"], "reason": "too loud"},
        headers=h,
    )
    report_id = (await r.json())["id"]
    await commit(
        node,
        moderation.act,
        p["mod"].id,
        "dismiss",
        "event",
        event["id"],
        "Parties are fine",
        report_id,
    )
    await commit(
        node, moderation.act, p["mod"].id, "warn", "event", event["id"], "Keep the noise down"
    )
    assert (await node.db.run(Report.get_by_id, report_id)).state == "dismissed"
    await login(client, "bob")
    log = await (await client.get("/moderation/log")).text()
    assert "Parties are fine" in log and "Keep the noise down" in log
    assert "Report dismissed" in log and "Warning" in log and "event #" in log
    # a resident of another quarter sees its own (empty) log
    await make_resident(node, "nina", quarter="north")
    await client.post(
        "/logout",
        data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', log).group(1)},
    )
    await login(client, "nina")
    other = await (await client.get("/moderation/log")).text()
    assert "Parties are fine" not in other
    # residents do not see the queue
    assert (await client.get("/moderation")).status == 403


async def test_report_needs_a_reason_and_a_real_target(client):
    node, p = await _setup(client)
    h = await bearer(node, p["bob"])
    r = await client.post(
        "/api/v1/reports",
        json={"target_type": "listing", "target_id": 999, "reason": "x"},
        headers=h,
    )
    assert r.status == 404
    r = await client.post(
        "/api/v1/reports",
        json={"target_type": "resident", "target_id": p["alice"].id, "reason": ""},
        headers=h,
    )
    assert r.status == 422
    r = await client.post(
        "/api/v1/reports",
        json={"target_type": "spaceship", "target_id": 1, "reason": "x"},
        headers=h,
    )
    assert r.status == 422


async def test_block_page_flow(client):
    node, p = await _setup(client)
    await login(client, "bob")
    text = await (await client.get("/messages")).text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)
    r = await client.post(
        "/blocks", data={"csrf_token": token, "username": "alice"}, allow_redirects=False
    )
    assert r.status == 303
    assert await node.db.run(moderation.blocked_between, p["alice"].id, p["bob"].id)
    text = await (await client.get("/messages")).text()
    assert "Blocked neighbours" in text and "Alice" in text


async def test_reported_comment_can_be_hidden(client):
    from node.local.models import Comment

    node, p = await _setup(client)
    listing = await make_listing(node, p["alice"])
    comment = await node.db.run(
        lambda: Comment.create(
            target_type="listing",
            target_id=listing.id,
            author=p["alice"].id,
            content_html="<p>rude</p>",
        )
    )
    report = await commit(node, moderation.report, p["bob"].id, "comment", comment.id, "rude")
    assert report.quarter_id == listing.quarter_id
    await commit(
        node, moderation.act, p["mod"].id, "hide", "comment", comment.id, "rude", report.id
    )
    assert (await node.db.run(Comment.get_by_id, comment.id)).hidden


async def test_pages_speak_french(client):
    node, p = await _setup(client)
    text = await (await client.get("/events?lang=fr")).text()
    assert "Événements à venir" in text
