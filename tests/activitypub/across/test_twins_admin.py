"""Admin pages for twins and other nodes; the allow-list and blocks as admins edit them."""

from ap_support import PUBLIC, Peer
from helpers import login, make_quarter, make_resident, node_of, post_form

from node.activitypub import trust
from node.activitypub.models import DomainBlock
from node.local.listings.models import Listing


async def test_admin_edits_blocks_and_the_allow_list(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "root", role="admin")
    await make_resident(node, "modo", role="moderator")
    await login(client, "modo")
    assert (await client.get("/admin/domains")).status == 403
    page = await client.get("/admin/twins")
    assert page.status == 200 and "Ask a quarter of another node to twin" in await page.text()
    client.session.cookie_jar.clear()
    await login(client, "root")
    response = await post_form(
        client, "/admin/domains", action="block", host="spam.example", reason="spam"
    )
    assert response.status == 303
    assert await node.db.run(lambda: [(b.host, b.reason) for b in DomainBlock.select()]) == [
        ("spam.example", "spam")
    ]
    await post_form(client, "/admin/domains", action="allow", host="aachen.example", reason="twin")
    await post_form(client, "/admin/domains", action="allow_list_on")
    text = await (await client.get("/admin/domains")).text()
    assert "aachen.example" in text and "spam.example" in text and "Turn the allow-list off" in text
    assert await node.db.run(
        trust.refused_hosts, {"aachen.example", "rome.example", "spam.example"}
    ) == {
        "rome.example",
        "spam.example",
    }
    await post_form(client, "/admin/domains", action="allow_list_off")
    await post_form(client, "/admin/domains", action="unblock", host="spam.example")
    assert await node.db.run(trust.refused_hosts, {"rome.example", "spam.example"}) == set()


async def test_a_non_public_item_not_from_a_twin_is_dropped(make_settings, cleanup):
    from three_nodes import start_site

    fr = await start_site(make_settings, "fr")
    peer = await Peer().start()
    cleanup.push_async_callback(fr.runner.cleanup)
    cleanup.push_async_callback(peer.stop)
    note = {
        "id": peer.base + "/objects/9", "type": "Note", "attributedTo": peer.uri("bob"),
        "purpose": "offer", "name": "Pas pour vous", "content": "<p>x</p>",
        "to": [fr.node.urls.quarter("saint_servan")],
    }  # fmt: skip
    activity = {
        "id": peer.base + "/a/9",
        "type": "Create",
        "actor": peer.uri("bob"),
        "object": note,
    }
    assert (await peer.post(fr.node.urls.base + "/inbox", activity))[0] == 202
    await fr.node.drain()
    assert await fr.node.db.run(lambda: Listing.select().count()) == 0
    # the same item addressed to Public is kept, for every resident
    public = {**note, "id": peer.base + "/objects/10", "to": [PUBLIC]}
    activity = {
        "id": peer.base + "/a/10",
        "type": "Create",
        "actor": peer.uri("bob"),
        "object": public,
    }
    assert (await peer.post(fr.node.urls.base + "/inbox", activity))[0] == 202
    await fr.node.drain()
    assert await fr.node.db.run(lambda: [r.reach for r in Listing.select()]) == ["public"]
