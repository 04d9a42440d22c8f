"""Private messages: only the two participants read them; unread counts; blocks stop them."""

from factories import bearer, make_listing, make_organisation
from helpers import login, make_quarter, make_resident, node_of

from node.commit import commit
from node.local.messages import conversations as messages


async def _setup(client):
    node = node_of(client)
    await make_quarter(node)
    people = {}
    for name, role in [
        ("alice", "resident"),
        ("bob", "resident"),
        ("carol", "resident"),
        ("mod", "moderator"),
        ("org", "resident"),
    ]:
        people[name] = await make_resident(node, name, role=role)
    await make_organisation(node, people["org"])
    headers = {name: await bearer(node, r) for name, r in people.items()}
    return node, people, headers


async def test_message_starts_conversation_with_unread_count(client):
    node, people, h = await _setup(client)
    listing = await make_listing(node, people["bob"])
    r = await client.post(
        "/api/v1/messages",
        json={"to": "bob", "text": "Can I borrow it?", "listing": listing.id},
        headers=h["alice"],
    )
    assert r.status == 201, await r.text()
    message = await r.json()
    assert message["sender"] == "alice" and message["text"] == "Can I borrow it?"
    await client.post(
        "/api/v1/messages", json={"to": "bob", "text": "Tomorrow?"}, headers=h["alice"]
    )
    convs = await (await client.get("/api/v1/conversations", headers=h["bob"])).json()
    assert len(convs) == 1
    assert convs[0]["other"]["username"] == "alice"
    assert convs[0]["unread_count"] == 2 and convs[0]["last_message"]["text"] == "Tomorrow?"
    assert convs[0]["listing_id"] == listing.id
    assert await node.db.run(messages.unread_count, people["bob"].id) == 2
    thread = await (
        await client.get(f"/api/v1/conversations/{convs[0]['id']}", headers=h["bob"])
    ).json()
    assert [m["text"] for m in thread["messages"]] == ["Can I borrow it?", "Tomorrow?"]
    assert await node.db.run(messages.unread_count, people["bob"].id) == 0
    # the reply lands in the same conversation
    await client.post("/api/v1/messages", json={"to": "alice", "text": "Sure"}, headers=h["bob"])
    mine = await (await client.get("/api/v1/conversations", headers=h["alice"])).json()
    assert (
        len(mine) == 1
        and mine[0]["unread_count"] == 1
        and mine[0]["last_message"]["sender"] == "bob"
    )


async def test_nobody_else_reads_a_conversation(client):
    node, people, h = await _setup(client)
    sent = await (
        await client.post(
            "/api/v1/messages", json={"to": "bob", "text": "secret"}, headers=h["alice"]
        )
    ).json()
    conversation_id = sent["conversation_id"]
    for outsider in ("carol", "mod", "org"):
        r = await client.get(f"/api/v1/conversations/{conversation_id}", headers=h[outsider])
        assert r.status == 404, outsider
        assert await (await client.get("/api/v1/conversations", headers=h[outsider])).json() == []
    await login(client, "mod")
    page = await client.get(f"/messages/{conversation_id}")
    assert page.status == 404 and "secret" not in await page.text()


async def test_a_reported_message_becomes_visible_to_moderators(client):
    node, people, h = await _setup(client)
    sent = await (
        await client.post(
            "/api/v1/messages", json={"to": "bob", "text": "nasty words"}, headers=h["alice"]
        )
    ).json()
    # carol is not a participant: she cannot report (or probe) it
    r = await client.post(
        "/api/v1/reports",
        json={"target_type": "message", "target_id": sent["id"], "reason": "x"},
        headers=h["carol"],
    )
    assert r.status == 404
    r = await client.post(
        "/api/v1/reports",
        json={"target_type": "message", "target_id": sent["id"], "reason": "insults"},
        headers=h["bob"],
    )
    assert r.status == 201
    mod = people["mod"]
    shown = await node.db.run(messages.visible_message, sent["id"], mod)
    assert shown.text == "nasty words"
    await login(client, "mod")
    queue = await (await client.get("/moderation")).text()
    assert "nasty words" in queue and "insults" in queue
    # still not the whole conversation
    assert (await client.get(f"/messages/{sent['conversation_id']}")).status == 404


async def test_blocked_neighbours_cannot_message(client):
    node, people, h = await _setup(client)
    r = await client.post("/api/v1/blocks", json={"username": "alice"}, headers=h["bob"])
    assert r.status == 201
    for sender, to in (("alice", "bob"), ("bob", "alice")):
        r = await client.post("/api/v1/messages", json={"to": to, "text": "hi"}, headers=h[sender])
        assert r.status == 403
        assert (await r.json())["error"] == "forbidden"
    r = await client.post(
        "/api/v1/blocks", json={"username": "alice", "blocked": False}, headers=h["bob"]
    )
    assert r.status == 200
    r = await client.post("/api/v1/messages", json={"to": "bob", "text": "hi"}, headers=h["alice"])
    assert r.status == 201


async def test_message_validation(client):
    node, people, h = await _setup(client)
    r = await client.post("/api/v1/messages", json={"to": "bob", "text": "  "}, headers=h["alice"])
    assert r.status == 422
    r = await client.post(
        "/api/v1/messages", json={"to": "nobody", "text": "hi"}, headers=h["alice"]
    )
    assert r.status == 404
    r = await client.post(
        "/api/v1/messages", json={"to": "alice", "text": "hi"}, headers=h["alice"]
    )
    assert r.status == 422


async def test_message_pages_and_nav_unread_count(client):
    node, people, h = await _setup(client)
    await commit(node, messages.send, people["alice"].id, people["bob"].id, "Hello from the form")
    await login(client, "bob")
    home = await (await client.get("/")).text()
    assert 'class="nav-count"' in home
    index = await (await client.get("/messages")).text()
    assert "Alice" in index and "1 unread" in index
    form = await client.get("/messages/new?to=alice")
    text = await form.text()
    assert form.status == 200 and "Write to Alice" in text
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)
    r = await client.post(
        "/messages",
        data={"to": "alice", "text": "Hi back", "csrf_token": token},
        allow_redirects=False,
    )
    assert r.status == 303
    thread = await (await client.get(r.headers["Location"])).text()
    assert "Hello from the form" in thread and "Hi back" in thread
