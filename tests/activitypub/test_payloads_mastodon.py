"""Mastodon's shapes (fixtures/mastodon): what a quarter keeps from a Mastodon server, and why not the rest."""

import pytest
from payload_support import sent_to_origin, served_world

from node.activitypub.models import Follower, RemoteActor
from node.local.messages.models import Message
from node.local.models import Comment
from node.local.moderation.models import Report

SOFTWARE = "mastodon"


@pytest.fixture
async def world(make_settings):
    async with served_world(make_settings, SOFTWARE, "person", "instance") as world:
        yield world


async def test_follow_of_the_quarter_is_accepted_and_undo_ends_it(world):
    follow = world.payload(SOFTWARE, "follow")
    item = await world.deliver(follow)
    assert item.state == "processed", item.error
    rows = await world.read(
        lambda: [(f.handle, f.state, f.shared_inbox) for f in Follower.select()]
    )
    assert rows == [("centre", "accepted", world.origin.base + "/inbox")]
    accepts = sent_to_origin(world, "Accept")
    assert [
        a["object"]["id"] if isinstance(a["object"], dict) else a["object"] for a in accepts
    ] == [follow["id"]]
    # The actor's profile is read as Mastodon writes it; its javascript: link never reaches us.
    actor = await world.read(lambda: RemoteActor.get(RemoteActor.uri == follow["actor"]))
    assert (actor.preferred_username, actor.name) == ("margot", "Margot Le Goff")

    item = await world.deliver(world.payload(SOFTWARE, "undo_follow"))
    assert item.state == "processed", item.error
    assert await world.read(lambda: Follower.select().count()) == 0


async def test_a_reply_to_our_listing_becomes_a_clean_comment_and_delete_removes_it(world):
    item = await world.deliver(world.payload(SOFTWARE, "reply"))
    assert item.state == "processed", item.error
    comment = await world.read(lambda: Comment.get())
    assert (comment.target_type, comment.target_id) == ("listing", world.listing_id)
    assert "encore libre samedi" in comment.content_html
    # Mastodon's HTML is kept as text and links, never as script or javascript: URLs.
    assert "onerror" not in comment.content_html and "<img" not in comment.content_html
    assert "javascript:" not in comment.content_html

    item = await world.deliver(world.payload(SOFTWARE, "delete_reply"))
    assert item.state == "processed", item.error
    assert await world.read(lambda: Comment.select().where(~Comment.hidden).count()) == 0


async def test_a_direct_note_becomes_a_private_message_without_the_leading_mention(world):
    item = await world.deliver(world.payload(SOFTWARE, "direct"))
    assert item.state == "processed", item.error
    messages = await world.read(lambda: [m.text for m in Message.select()])
    assert messages == ["Bonjour, je peux passer prendre la perceuse ?"]


async def test_a_public_note_about_the_weather_is_not_kept(world):
    item = await world.deliver(world.payload(SOFTWARE, "public_note"))
    # Why: a quarter keeps listings, events and replies to them, not a timeline.
    assert item.state == "ignored"
    assert "neither a listing nor a reply" in item.error
    assert await world.read(lambda: Comment.select().count()) == 0


async def test_a_flag_from_the_instance_actor_reports_the_listing(world):
    item = await world.deliver(world.payload(SOFTWARE, "flag"))
    assert item.state == "processed", item.error
    reports = await world.read(
        lambda: [(r.target_type, r.target_id, r.reason) for r in Report.select()]
    )
    # Mastodon lists the account first, then the statuses: moderators act on the listing.
    assert reports == [("listing", world.listing_id, "Annonce trompeuse, merci de vérifier")]


async def test_a_like_is_acknowledged_and_not_counted(world):
    item = await world.deliver(world.payload(SOFTWARE, "like"))
    assert item.state == "ignored" and item.error == "likes are not counted"


async def test_an_update_of_the_person_refreshes_the_cached_actor(world):
    await world.deliver(world.payload(SOFTWARE, "follow"))
    item = await world.deliver(world.payload(SOFTWARE, "update_person"))
    assert item.state == "processed", item.error
    actor = await world.read(lambda: RemoteActor.get(RemoteActor.preferred_username == "margot"))
    assert actor.name == "Margot L."
