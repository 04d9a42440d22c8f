"""Mitra's shapes (fixtures/mitra): object integrity proofs beside HTTP signatures, FEP-0837."""

import pytest
from payload_support import served_world

from node.local.listings.models import Listing
from node.local.models import Comment

SOFTWARE = "mitra"


@pytest.fixture
async def world(make_settings):
    async with served_world(make_settings, SOFTWARE, "person") as world:
        yield world


async def test_a_reply_with_a_data_integrity_proof_is_taken_on_its_http_signature(world):
    item = await world.deliver(world.payload(SOFTWARE, "reply"))
    assert item.state == "processed", item.error
    comment = await world.read(lambda: Comment.get())
    assert "rendre dimanche" in comment.content_html


async def test_a_marketplace_proposal_is_not_a_neighbourhood_listing(world):
    # Why: Mitra's FEP-0837 Proposal is a market order between strangers; a neighbourhood listing
    # is a Note with `purpose` from a quarter (docs/federation.md). It is refused, not half-kept.
    item = await world.deliver(world.payload(SOFTWARE, "proposal"))
    assert item.state == "ignored" and "Proposal" in item.error
    assert (
        await world.read(
            lambda: Listing.select().where(Listing.external_ref.is_null(False)).count()
        )
        == 0
    )
