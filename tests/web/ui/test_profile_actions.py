"""Profile pages: message, block and report a neighbour; remote residents; the quarter's page."""

from factories import make_listing
from helpers import csrf_token, login, make_quarter, make_resident, node_of

from node.local.models import Resident
from node.local.moderation.models import Block, Report


async def _people(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    bob = await make_resident(node, "bob")
    return node, alice, bob


async def test_a_neighbour_sees_message_block_and_report_on_a_profile(client):
    node, alice, bob = await _people(client)
    anonymous = await (await client.get("/@alice")).text()
    assert "Send a message" not in anonymous and 'action="/blocks"' not in anonymous
    await login(client, "alice")
    own = await (await client.get("/@alice")).text()
    assert "Send a message" not in own and 'action="/reports"' not in own
    page = await (await client.get("/@bob")).text()
    assert 'href="/messages/new?to=%40bob"' in page
    assert 'action="/blocks"' in page and 'action="/reports"' in page


async def test_blocking_and_unblocking_from_a_profile(client):
    node, alice, bob = await _people(client)
    await login(client, "alice")
    token = await csrf_token(client, "/@bob")
    form = {"csrf_token": token, "resident": str(bob.id), "next": "/@bob", "action": "block"}
    r = await client.post("/blocks", data=form, allow_redirects=False)
    assert r.status == 303 and r.headers["Location"] == "/@bob"
    assert await node.db.run(lambda: Block.select().count()) == 1
    page = await (await client.get("/@bob")).text()
    assert "Unblock" in page and "Send a message" not in page
    form["action"] = "unblock"
    await client.post("/blocks", data=form, allow_redirects=False)
    assert await node.db.run(lambda: Block.select().count()) == 0


async def test_reporting_a_resident_from_the_profile(client):
    node, alice, bob = await _people(client)
    await login(client, "alice")
    token = await csrf_token(client, "/@bob")
    r = await client.post(
        "/reports",
        data={
            "csrf_token": token,
            "target_type": "resident",
            "target_id": str(bob.id),
            "reason": "spam",
        },
        headers={"Referer": "http://x/@bob"},
        allow_redirects=False,
    )
    assert r.status == 303
    reports = await node.db.run(lambda: list(Report.select()))
    assert [(x.target_type, x.target_id, x.reason) for x in reports] == [
        ("resident", bob.id, "spam")
    ]


async def test_a_remote_residents_page_shows_handle_and_profile_link(client):
    node, alice, bob = await _people(client)
    await node.db.run(
        lambda: Resident.create(
            username="zoe",
            host="other.example",
            display_name="Zoé",
            external_ref="https://other.example/users/zoe",
            profile_url="https://other.example/@zoe",
            verification="approved",
        )
    )
    await login(client, "alice")
    r = await client.get("/@zoe@other.example")
    page = await r.text()
    assert r.status == 200
    assert "@zoe@other.example" in page and 'href="https://other.example/@zoe"' in page
    # a neighbour across the border can be written to from their profile (issue #10)
    assert 'href="/messages/new?to=%40zoe%40other.example"' in page and "Block" in page


async def test_the_quarter_page_shows_recent_public_items_and_the_log(client):
    node, alice, bob = await _people(client)
    await make_listing(node, alice, "Public ladder", reach="public")
    await make_listing(node, alice, "Neighbours-only drill", reach="quarter")
    page = await (await client.get("/@centre")).text()
    assert "Public ladder" in page and "Neighbours-only drill" not in page
    assert 'href="/quarters/centre/moderation"' in page
