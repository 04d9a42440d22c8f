"""Lemmy's shapes (fixtures/lemmy): community follows, comments, reports, announced pages."""

import pytest
from payload_support import sent_to_origin, served_world

from node.activitypub.models import Follower
from node.local.listings.models import Listing
from node.local.messages.models import Message
from node.local.models import Comment
from node.local.moderation.models import Report

SOFTWARE = "lemmy"


@pytest.fixture
async def world(make_settings):
    async with served_world(make_settings, SOFTWARE, "person", "community") as world:
        yield world


async def test_a_lemmy_user_follows_the_quarter_group(world):
    item = await world.deliver(world.payload(SOFTWARE, "follow"))
    assert item.state == "processed", item.error
    assert await world.read(lambda: Follower.get().state) == "accepted"
    assert sent_to_origin(world, "Accept")


async def test_a_comment_in_markdown_and_html_keeps_the_html(world):
    item = await world.deliver(world.payload(SOFTWARE, "comment"))
    assert item.state == "processed", item.error
    comment = await world.read(lambda: Comment.get())
    assert "<strong>super</strong>" in comment.content_html


async def test_a_report_reads_its_reason_from_summary(world):
    # Lemmy puts the reason in `summary` where Mastodon uses `content`.
    item = await world.deliver(world.payload(SOFTWARE, "report"))
    assert item.state == "processed", item.error
    report = await world.read(lambda: Report.get())
    assert (report.target_type, report.target_id) == ("listing", world.listing_id)
    assert report.reason == "Arnaque : demande un acompte"


async def test_a_private_message_note_reaches_the_resident(world):
    item = await world.deliver(world.payload(SOFTWARE, "private_message"))
    assert item.state == "processed", item.error
    assert await world.read(lambda: [m.text for m in Message.select()]) == ["Bonjour Alice"]


async def test_a_community_announcing_a_page_adds_nothing(world):
    # Why: a Lemmy post is a discussion, not an offer; a quarter keeps listings and events.
    item = await world.deliver(world.payload(SOFTWARE, "announce_page"))
    assert item.state == "ignored", item.error
    assert (
        await world.read(
            lambda: Listing.select().where(Listing.external_ref.is_null(False)).count()
        )
        == 0
    )
