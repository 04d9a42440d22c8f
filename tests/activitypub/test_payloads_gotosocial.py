"""GoToSocial's shapes: a key id that is its own document, interaction policies."""

import pytest
from payload_support import sent_to_origin, served_world

from node.activitypub.models import Follower, RemoteActor
from node.local.models import Comment

SOFTWARE = "gotosocial"


@pytest.fixture
async def world(make_settings):
    async with served_world(make_settings, SOFTWARE, "person", "key") as world:
        yield world


async def test_follow_signed_with_a_separate_key_document_is_accepted(world):
    follow = world.payload(SOFTWARE, "follow")
    item = await world.deliver(follow, key_id=follow["actor"] + "/main-key")
    assert item.state == "processed", item.error
    assert await world.read(lambda: Follower.get().state) == "accepted"
    assert sent_to_origin(world, "Accept")
    actor = await world.read(lambda: RemoteActor.get(RemoteActor.uri == follow["actor"]))
    assert actor.key_id == follow["actor"] + "/main-key"
    # GoToSocial's shared inbox is not at /inbox: we deliver where the actor says.
    assert actor.shared_inbox.endswith("/sharedInbox")


async def test_a_reply_with_an_interaction_policy_is_a_comment_in_german(world):
    reply = world.payload(SOFTWARE, "reply")
    item = await world.deliver(reply, key_id=reply["actor"] + "/main-key")
    assert item.state == "processed", item.error
    comment = await world.read(lambda: Comment.get())
    assert "Bohrmaschine" in comment.content_html
