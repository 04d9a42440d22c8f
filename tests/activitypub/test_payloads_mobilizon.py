"""Mobilizon's shapes (fixtures/mobilizon): group events, Join/Leave of our events, comments."""

import pytest
from payload_support import sent_to_origin, served_world

from node.local.events.models import Event, Rsvp
from node.local.models import Comment

SOFTWARE = "mobilizon"


@pytest.fixture
async def world(make_settings):
    async with served_world(make_settings, SOFTWARE, "person", "group") as world:
        yield world


def remote_event():
    return Event.get(Event.external_ref.is_null(False))


async def test_a_public_group_event_is_kept_with_its_venue_then_updated_then_deleted(world):
    item = await world.deliver(world.payload(SOFTWARE, "create_event"))
    assert item.state == "processed", item.error
    event = await world.read(remote_event)
    assert event.title == "Repair Café de décembre"
    assert (event.place_name, event.city, event.postcode) == (
        "Salle Bougainville",
        "Saint-Malo",
        "35400",
    )
    assert (round(event.lat, 4), round(event.lon, 4)) == (48.6335, -2.0151)
    assert (event.capacity, event.participant_count, event.join_mode) == (12, 3, "free")
    assert event.timezone == "Europe/Paris" and event.reach == "public"
    assert event.group_ref.endswith("/@repair_cafe")
    assert "<b>en panne</b>" in event.description_html and "script" not in event.description_html

    item = await world.deliver(world.payload(SOFTWARE, "update_event"))
    assert item.state == "processed", item.error
    assert (await world.read(remote_event)).title == "Repair Café (salle changée)"

    # Why an old Update is dropped: Mobilizon sends `updated`; an older copy must not win.
    stale = world.payload(SOFTWARE, "update_event", later="2020-01-01T00:00:00Z")
    stale["id"] += "-stale"
    stale["object"]["name"] = "Old title"
    await world.deliver(stale)
    assert (await world.read(remote_event)).title == "Repair Café (salle changée)"

    item = await world.deliver(world.payload(SOFTWARE, "delete_event"))
    assert item.state == "processed", item.error
    left = await world.read(lambda: Event.select().where(Event.external_ref.is_null(False)).count())
    assert left == 0


async def test_join_of_our_event_is_an_rsvp_accepted_and_leave_ends_it(world):
    join = world.payload(SOFTWARE, "join")
    item = await world.deliver(join)
    assert item.state == "processed", item.error
    rsvp = await world.read(lambda: Rsvp.get(Rsvp.event == world.event_id))
    assert (rsvp.status, rsvp.message, rsvp.external_ref) == (
        "going",
        "J'apporte une tarte",
        join["id"],
    )
    accepts = sent_to_origin(world, "Accept")
    assert accepts, world.origin.received
    answered = accepts[-1]["object"]
    assert (answered["id"] if isinstance(answered, dict) else answered) == join["id"]

    item = await world.deliver(world.payload(SOFTWARE, "leave"))
    assert item.state == "processed", item.error
    status = await world.read(lambda: Rsvp.get(Rsvp.event == world.event_id).status)
    assert status == "not_going"


async def test_a_comment_on_our_event_is_kept(world):
    item = await world.deliver(world.payload(SOFTWARE, "comment"))
    assert item.state == "processed", item.error
    comment = await world.read(lambda: Comment.get())
    assert (comment.target_type, comment.target_id) == ("event", world.event_id)
    assert "avec des enfants" in comment.content_html
