"""The feed's "who sees this" clause is compiled to SQL once per reader and reused
(node/local/feed.py:who_sees): it must pick the same rows as the clause it stands for, for every
kind of reader and scope, and still follow adjacency changes made after it was compiled."""

import itertools

from factories import make_listing
from helpers import make_quarter, make_resident, node_of

from node.local import adjacency, feed, reach
from node.local.listings.models import Listing
from node.local.models import Quarter, Resident, utcnow


def _ids(quarter_id, filters, cached):
    clause = (
        feed.who_sees(Listing, quarter_id, filters)
        if cached
        else feed._who_sees(
            Listing, True, quarter_id, filters.scope, filters.languages, filters.public_only,
            filters.reader,
        )
    )  # fmt: skip
    return sorted(r.id for r in Listing.select(Listing.id).where(clause))


async def test_the_compiled_clause_picks_the_same_rows_as_the_clause_for_every_reader(client):
    node = node_of(client)
    await make_quarter(node, "centre", "Centre", postcodes=("35400",))
    await make_quarter(node, "gare", "Gare", postcodes=("35000",))
    alice = await make_resident(node, "alice")  # verified, centre
    bob = await make_resident(node, "bob", verified=False)  # a claimed postcode only
    carol = await make_resident(node, "carol", quarter="gare")
    await make_resident(node, "mod", role="moderator")
    for who, shown in itertools.product((alice, carol), ("quarter", "nearby", "twins", "public")):
        await make_listing(node, who, f"{who.username} {shown}", reach=shown, language="fr")
    await make_listing(node, bob, "bob's own", reach="quarter")

    def check():
        centre = Quarter.get(Quarter.slug == "centre")
        adjacency.link(centre, ["gare"])
        seen = set()
        readers = [None, reach.ANONYMOUS, *Resident.select(), reach.Viewer(role="admin")]
        for who, scope, languages, public_only in itertools.product(
            readers, reach.SCOPES, ((), ("de",)), (False, True)
        ):
            filters = feed.FeedFilter(scope=scope, languages=languages, public_only=public_only)
            if who is not None:
                filters = filters.read_by(who)
            for quarter_id in (centre.id, centre.id + 1):
                uncached = _ids(quarter_id, filters, cached=False)
                assert _ids(quarter_id, filters, cached=True) == uncached, (who, filters)
                assert _ids(quarter_id, filters, cached=True) == uncached  # from the cache
                seen.add(tuple(uncached))
        assert len(seen) >= 6  # the readers and scopes do see different rows

    await node.db.run(check)


async def test_a_compiled_clause_follows_adjacency_changed_after_it(client):
    node = node_of(client)
    await make_quarter(node, "centre", "Centre", postcodes=("35400",))
    await make_quarter(node, "gare", "Gare", postcodes=("35000",))
    alice = await make_resident(node, "alice")
    carol = await make_resident(node, "carol", quarter="gare")
    near = await make_listing(node, carol, "Ladder next door", reach="nearby")
    only = await make_listing(node, carol, "Gare only", reach="quarter")

    def titles():
        filters = feed.FeedFilter().read_by(Resident.get_by_id(alice.id))
        return {i.title for i in feed.feed(alice.quarter_id, filters, utcnow(), 20)}

    def link(on):
        centre, gare = Quarter.get(Quarter.slug == "centre"), Quarter.get(Quarter.slug == "gare")
        adjacency.link(centre, ["gare"]) if on else adjacency.unlink(centre.id, gare.id)

    assert await node.db.run(titles) == set()
    await node.db.run(link, True)
    assert await node.db.run(titles) == {near.title}  # the same compiled clause, new neighbours
    await node.db.run(link, False)
    assert await node.db.run(titles) == set()
    assert only.title not in await node.db.run(titles)
