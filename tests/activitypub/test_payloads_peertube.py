"""PeerTube's shapes (fixtures/peertube): channels announcing videos, the instance actor following."""

import pytest
from payload_support import sent_to_origin, served_world

from node.activitypub.models import Follower
from node.local.listings.models import Listing

SOFTWARE = "peertube"


@pytest.fixture
async def world(make_settings):
    async with served_world(make_settings, SOFTWARE, "channel", "instance", "video") as world:
        yield world


async def test_the_instance_actor_follows_the_quarter(world):
    item = await world.deliver(world.payload(SOFTWARE, "follow"))
    assert item.state == "processed", item.error
    assert await world.read(lambda: Follower.get().state) == "accepted"
    assert sent_to_origin(world, "Accept")


async def test_an_announced_video_is_fetched_from_its_origin_and_not_kept(world):
    # PeerTube announces a bare URL: we fetch it from its own origin (never trust the Announce),
    # and a Video is not a neighbourhood item.
    item = await world.deliver(world.payload(SOFTWARE, "announce_video"))
    assert item.state == "ignored", item.error
    assert "Video" in item.error
    assert (
        await world.read(
            lambda: Listing.select().where(Listing.external_ref.is_null(False)).count()
        )
        == 0
    )
