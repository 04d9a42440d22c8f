"""Event pages: the form, the detail page with RSVP and waiting position, edit, cancel, approval."""

import re

import pytest
from factories import event_body, make_organisation
from helpers import login, make_quarter, make_resident, node_of

from node.commit import commit
from node.local import announcements
from node.local.events import drafts as event_drafts
from node.local.events import write as events
from node.local.events.models import Event
from node.local.models import OutgoingMail

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


async def _token(client, path):
    return TOKEN.search(await (await client.get(path)).text()).group(1)


async def test_create_event_through_the_form_and_rsvp(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    await make_organisation(node, alice)
    await make_resident(node, "bob")
    await make_resident(node, "carol")
    await login(client, "alice")
    form = await (await client.get("/events/new")).text()
    assert "Neighbours&#39; Association" in form
    token = TOKEN.search(form).group(1)
    body = {k: str(v) for k, v in event_body(capacity=1).items()} | {"csrf_token": token}
    bad = await client.post("/events", data=body | {"end": "2000-01-01T00:00"})
    assert bad.status == 400 and "The end must be after the start." in await bad.text()
    r = await client.post("/events", data=body, allow_redirects=False)
    assert r.status == 303
    url = r.headers["Location"]
    page = await (await client.get(url)).text()
    assert (
        "Street party" in page and "0 going out of 1 places" in page and "Cancel the event" in page
    )
    await client.post("/logout", data={"csrf_token": token})
    for name in ("bob", "carol"):
        await login(client, name)
        t = await _token(client, url)
        r = await client.post(
            f"{url}/rsvp", data={"csrf_token": t, "status": "going"}, allow_redirects=False
        )
        assert r.status == 303
        page = await (await client.get(url)).text()
        await client.post("/logout", data={"csrf_token": t})
    assert "You are number 1 on the waiting list." in page
    assert "Cancel the event" not in page


async def test_edit_notifies_participants_and_cancel_from_page(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    bob = await make_resident(node, "bob")
    draft = event_drafts.EventDraft.parse(event_body(join_mode="approval"))
    event = await commit(node, events.schedule, alice.id, draft)
    row = await commit(node, events.rsvp, bob.id, event.id, "going")
    assert row.status == "pending"
    await login(client, "alice")
    url = f"/events/{event.id}"
    page = await (await client.get(url)).text()
    assert "Requests to join" in page and "Bob" in page
    token = TOKEN.search(page).group(1)
    r = await client.post(
        f"{url}/decide",
        data={"csrf_token": token, "rsvp": row.id, "decision": "approve"},
        allow_redirects=False,
    )
    assert r.status == 303
    edit = await (await client.get(f"{url}/edit")).text()
    assert 'value="Street party"' in edit
    body = {k: str(v) for k, v in event_body(title="Street party (moved)").items()} | {
        "csrf_token": token
    }
    r = await client.post(f"{url}/edit", data=body, allow_redirects=False)
    assert r.status == 303
    assert (await node.db.run(Event.get_by_id, event.id)).title == "Street party (moved)"
    subjects = await node.db.run(
        lambda: [
            m.subject for m in OutgoingMail.select().where(OutgoingMail.to == "bob@example.test")
        ]
    )
    assert any("has changed" in s for s in subjects)
    r = await client.post(f"{url}/cancel", data={"csrf_token": token}, allow_redirects=False)
    assert r.status == 303
    page = await (await client.get(url)).text()
    assert "Cancelled" in page
    events_page = await (await client.get("/events")).text()
    assert "Street party" not in events_page


async def test_strangers_cannot_edit(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    await make_resident(node, "bob")
    event = await commit(
        node, events.schedule, alice.id, event_drafts.EventDraft.parse(event_body())
    )
    await login(client, "bob")
    assert (await client.get(f"/events/{event.id}/edit")).status == 403
    token = await _token(client, f"/events/{event.id}")
    r = await client.post(f"/events/{event.id}/cancel", data={"csrf_token": token})
    assert r.status == 403
    assert (await client.get("/events/999")).status == 404


async def test_announcements_by_organisations_and_moderators_only(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    manager = await make_resident(node, "manager")
    mod = await make_resident(node, "mod", role="moderator")
    org = await make_organisation(node, manager)
    with pytest.raises(announcements.NotAllowed):  # a resident published an announcement
        await commit(node, announcements.publish, alice.id, "Hi", "")
    with pytest.raises(announcements.NotAllowed):  # a non-member spoke for the organisation
        await commit(node, announcements.publish, alice.id, "Hi", "", org.id)
    a = await commit(node, announcements.publish, manager.id, "Market", "On *Sunday*", org.id)
    assert a.quarter_id == manager.quarter_id and "<em>Sunday</em>" in a.body_html
    await commit(node, announcements.publish, mod.id, "Works", "")
    await login(client, "manager")
    page = await (await client.get(f"/announcements/{a.id}")).text()
    assert "Market" in page and "Neighbours" in page
    form = await client.get("/announcements/new")
    assert form.status == 200
    token = TOKEN.search(await form.text()).group(1)
    r = await client.post(
        "/announcements",
        data={"csrf_token": token, "organisation": str(org.id), "title": "Fair", "body": "x"},
        allow_redirects=False,
    )
    assert r.status == 303


async def test_openapi_lists_the_social_endpoints(client):
    doc = await (await client.get("/api/v1/openapi.json")).json()
    for path in (
        "/api/v1/events",
        "/api/v1/events/{id}",
        "/api/v1/events/{id}/rsvp",
        "/api/v1/events/{id}/cancel",
        "/api/v1/feed",
        "/api/v1/messages",
        "/api/v1/conversations",
        "/api/v1/conversations/{id}",
        "/api/v1/reports",
        "/api/v1/blocks",
    ):
        assert path in doc["paths"], path
    routes = {
        (r.method, r.resource.canonical) for r in client.server.app.router.routes() if r.resource
    }
    for path, operations in doc["paths"].items():
        for method in operations:
            canonical = path.replace("{id}", "{id}")
            assert any(
                m == method.upper() and c.replace(r"{id:\d+}", "{id}") == canonical
                for m, c in routes
            ), (method, path)
