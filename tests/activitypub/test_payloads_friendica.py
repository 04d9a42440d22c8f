"""Friendica's shapes (fixtures/friendica): diaspora guids, bbcode sources, dislikes."""

import pytest
from payload_support import served_world

from node.local.models import Comment

SOFTWARE = "friendica"


@pytest.fixture
async def world(make_settings):
    async with served_world(make_settings, SOFTWARE, "person") as world:
        yield world


async def test_a_reply_with_plain_text_content_is_a_comment(world):
    item = await world.deliver(world.payload(SOFTWARE, "reply"))
    assert item.state == "processed", item.error
    comment = await world.read(lambda: Comment.get())
    assert "am Samstag abholen" in comment.content_html


async def test_a_dislike_is_refused(world):
    item = await world.deliver(world.payload(SOFTWARE, "dislike"))
    assert item.state == "ignored" and "Dislike" in item.error
