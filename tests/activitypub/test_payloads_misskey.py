"""Misskey's shapes: `_misskey_*` extensions, quotes and reactions."""

import pytest
from payload_support import sent_to_origin, served_world

from node.activitypub.models import RemoteActor
from node.local.models import Comment

SOFTWARE = "misskey"


@pytest.fixture
async def world(make_settings):
    async with served_world(make_settings, SOFTWARE, "person") as world:
        yield world


async def test_follow_from_an_id_based_actor_url_is_accepted(world):
    item = await world.deliver(world.payload(SOFTWARE, "follow"))
    assert item.state == "processed", item.error
    assert sent_to_origin(world, "Accept")
    actor = await world.read(lambda: RemoteActor.get(RemoteActor.preferred_username == "yuki"))
    assert actor.uri.endswith("/users/9kq3x7abcd") and actor.shared_inbox.endswith("/inbox")


async def test_a_reply_keeps_the_html_content_not_the_misskey_markdown(world):
    item = await world.deliver(world.payload(SOFTWARE, "reply"))
    assert item.state == "processed", item.error
    comment = await world.read(lambda: Comment.get())
    assert "明日借りてもいい？" in comment.content_html and "<a href=" in comment.content_html
    assert "x.misskeymarkdown" not in comment.content_html


async def test_a_quote_is_not_a_comment(world):
    # Why: a quote (`_misskey_quote`, `quoteUrl`) talks about our listing to the quoter's
    # followers; it is not addressed to the listing's thread.
    item = await world.deliver(world.payload(SOFTWARE, "quote"))
    assert item.state == "ignored"
    assert await world.read(lambda: Comment.select().count()) == 0


async def test_a_reaction_is_a_like_and_not_counted(world):
    item = await world.deliver(world.payload(SOFTWARE, "reaction"))
    assert item.state == "ignored" and item.error == "likes are not counted"
