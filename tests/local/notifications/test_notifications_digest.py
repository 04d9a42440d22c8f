"""Notifications: the page, marking read, per-kind modes, and the daily digest step."""

import datetime as dt
import re

from helpers import login, make_quarter, make_resident, node_of

from node.commit import commit
from node.local.messages import conversations as messages
from node.local.models import OutgoingMail, utcnow
from node.local.notifications import read as notifications
from node.local.notifications.models import Notification


async def _setup(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    bob = await make_resident(node, "bob")
    return node, alice, bob


async def _mails(node, to):
    return await node.db.run(lambda: list(OutgoingMail.select().where(OutgoingMail.to == to)))


async def test_modes_immediate_none_and_digest(client):
    node, alice, bob = await _setup(client)
    await commit(node, notifications.set_preferences, bob.id, {"message": "none"})
    await commit(node, messages.send, alice.id, bob.id, "one")
    assert await _mails(node, "bob@example.test") == []
    await commit(node, notifications.set_preferences, bob.id, {"message": "immediate"})
    await commit(node, messages.send, alice.id, bob.id, "two")
    assert len(await _mails(node, "bob@example.test")) == 1
    await commit(node, notifications.set_preferences, bob.id, {"message": "digest"})
    await commit(node, messages.send, alice.id, bob.id, "three")
    await commit(node, messages.send, alice.id, bob.id, "four")
    assert len(await _mails(node, "bob@example.test")) == 1
    # not a day old yet: the digest step has nothing to do
    await node.drain()
    assert len(await _mails(node, "bob@example.test")) == 1
    yesterday = utcnow() - dt.timedelta(days=1, minutes=1)
    await node.db.run(
        lambda: (
            Notification.update(created_at=yesterday)
            .where(Notification.resident == bob.id)
            .execute()
        )
    )
    done = await node.drain()
    assert done >= 1
    mails = await _mails(node, "bob@example.test")
    assert len(mails) == 2
    digest = mails[-1]
    assert "daily summary (2)" in digest.subject
    assert digest.text.count("New message from Alice.") == 2
    # once mailed, never again
    await node.drain()
    assert len(await _mails(node, "bob@example.test")) == 2


async def test_page_lists_and_marks_read_and_settings_save(client):
    node, alice, bob = await _setup(client)
    await commit(node, messages.send, alice.id, bob.id, "hello")
    await login(client, "bob")
    page = await (await client.get("/notifications")).text()
    assert "New message from Alice." in page
    assert await node.db.run(notifications.unread_count, bob.id) == 1
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = await client.post("/notifications/read", data={"csrf_token": token}, allow_redirects=False)
    assert r.status == 303
    assert await node.db.run(notifications.unread_count, bob.id) == 0
    settings = await (await client.get("/settings/notifications")).text()
    assert "Daily summary" in settings
    r = await client.post(
        "/settings/notifications",
        data={"csrf_token": token, "message": "digest", "event_changed": "none"},
        allow_redirects=False,
    )
    assert r.status == 303
    prefs = await node.db.run(notifications.preferences, bob.id)
    assert (
        prefs["message"] == "digest"
        and prefs["event_changed"] == "none"
        and prefs["moderation"] == "immediate"
    )
    r = await client.post("/settings/notifications", data={"csrf_token": token, "message": "often"})
    assert r.status == 422


async def test_marking_read_never_touches_someone_elses(client):
    node, alice, bob = await _setup(client)
    await commit(node, messages.send, alice.id, bob.id, "hello")
    note = await node.db.run(lambda: Notification.get(Notification.resident == bob.id))
    assert await commit(node, notifications.mark_read, alice.id, note.id) == 0
    assert await node.db.run(notifications.unread_count, bob.id) == 1
