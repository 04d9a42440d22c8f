"""The feed's search ranks the newest matches (node/local/feed.py, listing_text_matches): on
PostgreSQL those of the newest listings first, then older ones when too few of them match."""

import datetime as dt

import pytest
from factories import make_listing
from helpers import make_quarter, make_resident, node_of

from node.local import feed
from node.local.listings.models import Listing
from node.local.models import utcnow


@pytest.mark.parametrize("window", [4, 50])
@pytest.mark.parametrize("matching", [(0, 1, 2, 3), (0, 7, 8, 9), (9,), ()])
async def test_search_finds_the_newest_matches_inside_and_beyond_the_window(
    client, monkeypatch, matching, window
):
    """Ten listings, the newest first; those at `matching` hold the word. A window of the 4
    newest (or of more listings than there are) and 3 candidates: the 3 newest matches come
    back, wherever they are."""
    monkeypatch.setattr(feed, "SEARCH_WINDOW", window)
    monkeypatch.setattr(feed, "SEARCH_CANDIDATES", 3)
    node = node_of(client)
    quarter = await make_quarter(node)
    alice = await make_resident(node, "alice")
    now = utcnow()
    rows = []
    for age in reversed(range(10)):  # the oldest first, so ids grow with time as they do
        word = "trampoline" if age in matching else "bicycle"
        rows.append(
            await make_listing(
                node,
                alice,
                f"A {word} #{age}",
                description=f"The {word}",
                created_at=now - dt.timedelta(hours=age),
            )
        )
    by_age = {int(r.title.split("#")[1]): r.id for r in rows}
    hidden = await make_listing(node, alice, "A trampoline, hidden", hidden=True)

    def search(q):
        filters = feed.FeedFilter.parse({"q": q}).read_by(alice)
        return [i.id for i in feed.feed(quarter.id, filters, utcnow(), 20, None)]

    found = await node.db.run(search, "trampo")
    assert found == [by_age[age] for age in sorted(matching)[:3]]
    assert hidden.id not in found
    assert await node.db.run(search, "trampoline bicycle") == []
    await node.db.run(lambda: Listing.update(state="withdrawn").execute())
    assert await node.db.run(search, "trampo") == []
