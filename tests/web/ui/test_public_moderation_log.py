"""The public moderation log of a quarter: readable without an account, by category — never a
resident's name, the item's text or the moderator's own words."""

from factories import bearer, make_listing
from helpers import login, make_quarter, make_resident, node_of, post_form

from node.commit import commit
from node.local.models import Resident
from node.local.moderation import actions as moderation
from node.local.moderation.models import ModerationAction


async def _scene(client):
    node = node_of(client)
    await make_quarter(node)
    await make_quarter(node, slug="north", name="North", postcodes=("35700",))
    alice = await make_resident(node, "alice")
    bob = await make_resident(node, "bob")
    await make_resident(node, "margot", role="moderator")
    listing = await make_listing(node, alice, "Vélo d'Alice Martin")
    r = await client.post(
        "/api/v1/reports",
        json={
            "target_type": "listing",
            "target_id": listing.id,
            "reason": "Alice vend un vélo volé",
        },
        headers=await bearer(node, bob),
    )
    assert r.status == 201
    return node, alice, listing, (await r.json())["id"]


async def test_the_log_names_nobody_and_quotes_nothing(client):
    node, alice, listing, report_id = await _scene(client)
    await login(client, "margot")
    page = await (await client.get("/moderation")).text()
    assert 'name="category"' in page and 'value="scam"' in page
    r = await post_form(
        client,
        "/moderation/act",
        "/moderation",
        report=report_id,
        target_type="listing",
        target_id=listing.id,
        action="hide",
        category="scam",
        reason="Alice Martin vend des vélos volés",
    )
    assert r.status == 303
    await client.post("/logout", data={})
    client.session.cookie_jar.clear()

    # Anyone, without an account: date, action, kind of item, reason category.
    r = await client.get("/quarters/centre/moderation", headers={"Accept-Language": "en"})
    assert r.status == 200
    text = await r.text()
    assert "Hidden" in text and "a listing" in text and "Scam or fraud" in text
    for secret in ("Alice", "alice", "Martin", "Vélo", "volé", "bob", "margot", "Margot"):
        assert secret not in text.split("<main", 1)[-1], secret
    r = await client.get("/quarters/centre/moderation", headers={"Accept": "application/json"})
    data = await r.json()
    assert data["quarter"] == "centre"
    assert [(a["action"], a["kind"], a["category"]) for a in data["actions"]] == [
        ("hide", "listing", "scam")
    ]
    assert set(data["actions"][0]) == {"id", "date", "action", "kind", "category"}
    french = await (
        await client.get("/quarters/centre/moderation", headers={"Accept-Language": "fr"})
    ).text()
    assert "Arnaque ou fraude" in french
    # another quarter's log does not show it; unknown quarters and bad input are 4xx
    other = await (await client.get("/quarters/north/moderation?format=json")).json()
    assert other["actions"] == []
    assert (await client.get("/quarters/nowhere/moderation")).status == 404
    assert (await client.get("/quarters/centre/moderation?before=abc")).status in (400, 422)


async def test_an_unknown_category_is_refused_and_old_actions_are_other(client):
    node, alice, listing, report_id = await _scene(client)
    mod = await node.db.run(lambda: Resident.get(Resident.username == "margot"))
    try:
        await commit(
            node, moderation.act, mod.id, "hide", "listing", listing.id, "", report_id, 7, "gossip"
        )
        raise AssertionError("an unknown category was accepted")
    except moderation.Invalid:
        pass
    await commit(node, moderation.act, mod.id, "warn", "listing", listing.id, "Soyez prudente")
    rows = await node.db.run(lambda: [(a.action, a.category) for a in ModerationAction.select()])
    assert rows == [("warn", "other")]
