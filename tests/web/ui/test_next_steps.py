"""Actions that would be refused show the next step instead; the missing actions are there
(Report on listings, New message with a choice of recipients, message to a remote person,
an organisation's announcements, an event's organiser, the "hidden" marker)."""

import re

from factories import event_body, make_listing, make_organisation
from helpers import csrf_token, login, make_quarter, make_resident, node_of, post_form, switch_to

from node.commit import commit
from node.local.events import drafts as event_drafts
from node.local.events import write as events
from node.local.models import Announcement, Resident
from node.local.moderation import actions as moderation
from node.local.moderation.models import Report


async def _world(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    newbie = await make_resident(node, "newbie", verified=False)
    listing = await make_listing(node, alice, "Drill to lend", reach="public")
    draft = event_drafts.EventDraft.parse(event_body(reach="public"), "quarter")
    event = await commit(node, events.schedule, alice.id, draft)
    return node, alice, newbie, listing, event


async def test_before_verification_pages_show_the_next_step_and_posts_stay_refused(client):
    node, alice, newbie, listing, event = await _world(client)
    await login(client, "newbie")
    page = await (await client.get(f"/listings/{listing.id}")).text()
    assert "Verify your address to borrow from your neighbours." in page
    assert 'href="/settings/verification"' in page
    assert f'action="/listings/{listing.id}/loans"' not in page and "/messages/new?to=" not in page
    assert 'action="/listings/' + str(listing.id) + '/comments"' not in page
    assert "Verify your address to comment." in page
    page = await (await client.get(f"/events/{event.id}")).text()
    assert "Verify your address to take part in events." in page
    assert f'action="/events/{event.id}/rsvp"' not in page
    page = await (await client.get("/messages")).text()
    assert "Verify your address to write to your neighbours." in page
    assert 'href="/messages/new"' not in page
    page = await (await client.get("/@alice")).text()
    assert "Send a message" not in page and "Verify your address" in page
    # the server still refuses the actions themselves
    token = await csrf_token(client, "/settings")
    for path, data in [
        (f"/listings/{listing.id}/loans", {"from": "2030-01-01", "until": "2030-01-02"}),
        (f"/events/{event.id}/rsvp", {"status": "going"}),
        (f"/listings/{listing.id}/comments", {"text": "hello"}),
        ("/messages", {"to": "alice", "text": "hello"}),
    ]:
        response = await client.post(path, data={"csrf_token": token, **data})
        assert response.status == 403, path
    # once the proof is sent, the page says it is being checked
    await node.db.run(
        lambda: Resident.update(verification="pending").where(Resident.id == newbie.id).execute()
    )
    page = await (await client.get(f"/listings/{listing.id}")).text()
    assert "being checked by the moderators" in page


async def test_a_listing_can_be_reported_from_its_page(client):
    node, alice, newbie, listing, event = await _world(client)
    await make_resident(node, "bob")
    await login(client, "bob")
    page = await (await client.get(f"/listings/{listing.id}")).text()
    assert 'name="target_type" value="listing"' in page
    assert f'name="target_id" value="{listing.id}"' in page
    assert f'action="/listings/{listing.id}/loans"' in page  # a verified neighbour may borrow
    response = await post_form(
        client,
        "/reports",
        page=f"/listings/{listing.id}",
        target_type="listing",
        target_id=str(listing.id),
        reason="not a drill",
    )
    assert response.status == 303
    rows = await node.db.run(lambda: [(r.target_type, r.target_id) for r in Report.select()])
    assert rows == [("listing", listing.id)]
    await switch_to(client, "alice")  # the author is not offered to report their own listing
    page = await (await client.get(f"/listings/{listing.id}")).text()
    assert 'name="target_type" value="listing"' not in page


async def test_new_message_offers_the_neighbours_one_may_write_to(client):
    node, alice, newbie, listing, event = await _world(client)
    bob = await make_resident(node, "bob")
    await make_quarter(node, "north", "North", postcodes=("35000",))
    await make_resident(node, "faraway", quarter="north")
    await commit(node, moderation.block, bob.id, alice.id)
    await login(client, "alice")
    page = await (await client.get("/messages")).text()
    assert 'href="/messages/new"' in page
    await make_resident(node, "carla")
    page = await (await client.get("/messages/new")).text()
    select = re.search(r'<select id="f-to" name="to">.*?</select>', page, re.S).group(0)
    assert 'value="@carla"' in select
    assert 'value="@newbie"' not in select  # not verified
    assert 'value="@bob"' not in select  # blocked alice
    assert 'value="@faraway"' not in select and 'value="@alice"' not in select
    response = await post_form(client, "/messages", page="/messages/new", to="@carla", text="Hi!")
    assert response.status == 303 and response.headers["Location"].startswith("/messages/")
    thread = await (await client.get(response.headers["Location"])).text()
    assert "Hi!" in thread


async def test_remote_profiles_offer_a_message(client):
    node, alice, newbie, listing, event = await _world(client)
    await node.db.run(
        lambda: Resident.create(
            username="mia",
            host="aachen.test",
            display_name="Mia",
            external_ref="https://aachen.test/@mia",
            verification="approved",
        )
    )
    await login(client, "alice")
    page = await (await client.get("/@mia@aachen.test")).text()
    assert 'href="/messages/new?to=%40mia%40aachen.test"' in page
    page = await (await client.get("/messages/new?to=%40mia%40aachen.test")).text()
    assert "Write to Mia" in page and 'name="to" value="@mia@aachen.test"' in page


async def test_organisation_lists_its_announcements_and_events_name_the_organiser(client):
    node, alice, newbie, listing, event = await _world(client)
    org = await make_organisation(node, alice)

    def news():
        base = {"author": alice.id, "organisation": org.id, "quarter": alice.quarter_id}
        Announcement.create(title="Fête des voisins", reach="public", **base)
        Announcement.create(title="Removed news", reach="public", hidden=True, **base)
        Announcement.create(title="Only for the quarter", reach="quarter", **base)

    await node.db.run(news)
    page = await (await client.get("/@asso")).text()  # a visitor
    assert "Fête des voisins" in page
    assert "Removed news" not in page and "Only for the quarter" not in page
    await login(client, "alice")
    page = await (await client.get("/@asso")).text()
    assert "Only for the quarter" in page and "Removed news" not in page
    page = await (await client.get(f"/events/{event.id}")).text()
    assert re.search(r'Organised by\s*<a href="/@alice">Alice</a>', page)


async def test_the_author_sees_a_hidden_marker_on_their_hidden_listing(client):
    node, alice, newbie, listing, event = await _world(client)
    mod = await make_resident(node, "mod", role="moderator")
    await login(client, "alice")
    page = await (await client.get(f"/listings/{listing.id}")).text()
    assert 'id="hidden-marker"' not in page
    await commit(node, moderation.act, mod.id, "hide", "listing", listing.id, "spam")
    page = await (await client.get(f"/listings/{listing.id}")).text()
    assert 'id="hidden-marker"' in page and "Hidden by a moderator" in page
    await commit(node, moderation.act, mod.id, "hide", "event", event.id, "spam")
    page = await (await client.get(f"/events/{event.id}")).text()
    assert 'id="hidden-marker"' in page


async def test_pages_refused_before_verification_say_how_to_get_verified(client):
    node, alice, newbie, listing, event = await _world(client)
    await login(client, "newbie")
    for path in ("/listings/new", "/events/new", "/messages/new"):
        response = await client.get(path)
        page = await response.text()
        assert response.status == 403, path
        assert 'href="/settings/verification"' in page and "Verify my address" in page, path
    # another refusal (not about verification) keeps its plain message
    response = await client.get("/admin")
    assert response.status == 403 and "Verify my address" not in await response.text()
