"""The node's taxonomy: built-in categories seeded once, labels translated when shown."""

from helpers import node_of

from node.i18n import using
from node.local.listings import categories
from node.local.listings.models import Category


async def test_builtin_categories_are_seeded_once_and_translated(client):
    node = node_of(client)
    await client.get("/")  # the app has migrated
    assert await node.db.run(categories.seed) == 0  # the migration already made them
    slugs = await node.db.run(
        lambda: [c.slug for c in Category.select().order_by(Category.position)]
    )
    assert slugs == list(categories.BUILTIN)
    raw = await node.db.run(categories.raw_choices)
    with using("fr"):
        labels = dict(categories.labelled(raw))
    assert (
        labels["diy"] == "Bricolage et outils" and labels["elderly"] == "Aide aux personnes âgées"
    )
    with using("en"):
        assert categories.label("garden") == "Garden"


async def test_listing_page_in_french(client):
    page = await (await client.get("/listings?lang=fr")).text()
    assert "Annonces" in page and "Aucune annonce ne correspond." in page
    assert "Bricolage et outils" in page  # category labels follow the reader's language
