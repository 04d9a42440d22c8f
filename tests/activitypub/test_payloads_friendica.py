"""Friendica's shapes (fixtures/friendica): diaspora guids, bbcode sources, dislikes."""

import pytest
from payload_support import make_world

from node.local.sharing_models import Comment

SOFTWARE = "friendica"


@pytest.fixture
async def world(make_settings):
    world, runner = await make_world(make_settings)
    world.serve(SOFTWARE, "person")
    yield world
    await world.origin.stop()
    await runner.cleanup()


async def test_a_reply_with_plain_text_content_is_a_comment(world):
    item = await world.deliver(world.payload(SOFTWARE, "reply"))
    assert item.state == "processed", item.error
    comment = await world.read(lambda: Comment.get())
    assert "am Samstag abholen" in comment.content_html


async def test_a_dislike_is_refused(world):
    item = await world.deliver(world.payload(SOFTWARE, "dislike"))
    assert item.state == "ignored" and "Dislike" in item.error
