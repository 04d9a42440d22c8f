"""Pleroma and Akkoma shapes (fixtures/pleroma): litepub context, replies with `source`, chats."""

import pytest
from payload_support import sent_to_origin, served_world

from node.activitypub.models import Follower
from node.local.messages.models import Message
from node.local.models import Comment

SOFTWARE = "pleroma"


@pytest.fixture
async def world(make_settings):
    async with served_world(make_settings, SOFTWARE, "person") as world:
        yield world


async def test_follow_with_litepub_context_is_accepted(world):
    follow = world.payload(SOFTWARE, "follow")
    item = await world.deliver(follow)
    assert item.state == "processed", item.error
    assert await world.read(lambda: Follower.select().where(Follower.state == "accepted").count())
    assert any(
        (a["object"]["id"] if isinstance(a["object"], dict) else a["object"]) == follow["id"]
        for a in sent_to_origin(world, "Accept")
    )


async def test_a_reply_is_a_comment_without_its_iframe(world):
    item = await world.deliver(world.payload(SOFTWARE, "reply"))
    assert item.state == "processed", item.error
    comment = await world.read(lambda: Comment.get())
    assert comment.target_id == world.listing_id
    assert "je prends la perceuse" in comment.content_html
    assert "iframe" not in comment.content_html


async def test_chat_messages_are_refused_and_say_why(world):
    # Why: ChatMessage is Pleroma's own chat type; residents talk through direct Notes, which
    # Pleroma also sends. Taking chats would open a second, unmoderated message path.
    item = await world.deliver(world.payload(SOFTWARE, "chat_message"))
    assert item.state == "ignored"
    assert "ChatMessage" in item.error
    assert await world.read(lambda: Message.select().count()) == 0


async def test_emoji_reactions_are_refused(world):
    item = await world.deliver(world.payload(SOFTWARE, "emoji_react"))
    assert item.state == "ignored" and "EmojiReact" in item.error
