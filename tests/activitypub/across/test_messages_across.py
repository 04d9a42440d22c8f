"""Private conversations across nodes, a Mastodon-shaped DM, and a report reaching the origin."""

import json

from across_support import call, nodes, settle, share_listing, stop
from ap_support import PUBLIC, Peer, start_node
from helpers import make_quarter, make_resident, make_token

from node.activitypub.models import Delivery
from node.local.listings.models import Listing
from node.local.models import Resident
from node.local.moderation import actions as moderation
from node.local.moderation.models import Report


async def deliveries(node):
    return await node.db.run(
        lambda: [(d.inbox, json.loads(bytes(d.body))) for d in Delivery.select()]
    )


async def test_private_conversation_across_nodes(make_settings, cleanup):
    fr, de = await nodes(
        make_settings,
        ("fr", "centre", "FR", ["camille"]),
        ("de", "aachen", "DE", ["jonas", "greta"]),
    )
    a, b = fr["node"], de["node"]
    camille, jonas, greta = fr["tokens"]["camille"], de["tokens"]["jonas"], de["tokens"]["greta"]
    cleanup.push_async_callback(stop, fr, de)
    status, sent = await call(
        a,
        "POST",
        "/api/v1/messages",
        camille,
        {"to": f"@jonas@{b.urls.host}", "text": "Bonjour Jonas, ta perceuse ?"},
    )
    assert status == 201, sent
    await settle(a, b)
    _, convs = await call(b, "GET", "/api/v1/conversations", jonas)
    assert [(c["other"]["username"], c["last_message"]["text"]) for c in convs] == [
        (f"camille@{a.urls.host}", "Bonjour Jonas, ta perceuse ?")
    ]
    # Jonas answers: the same conversation continues on both nodes.
    status, _ = await call(
        b,
        "POST",
        "/api/v1/messages",
        jonas,
        {"to": f"camille@{a.urls.host}", "text": "Ja, gerne!"},
    )
    assert status == 201
    await settle(a, b)
    _, mine = await call(a, "GET", "/api/v1/conversations", camille)
    assert len(mine) == 1
    _, thread = await call(a, "GET", f"/api/v1/conversations/{mine[0]['id']}", camille)
    assert [m["text"] for m in thread["messages"]] == [
        "Bonjour Jonas, ta perceuse ?",
        "Ja, gerne!",
    ]
    # Each Note went to the other person only: no Public, no followers, a Mention.
    for node, inbox in ((a, b.urls.inbox("jonas")), (b, a.urls.inbox("camille"))):
        notes = [(i, x) for i, x in await deliveries(node) if x["type"] == "Create"]
        assert [i for i, _ in notes] == [inbox]
        note = notes[0][1]["object"]
        assert PUBLIC not in json.dumps(notes[0][1]) and "followers" not in json.dumps(note)
        assert note["tag"][0]["type"] == "Mention"
    reply = [x for _, x in await deliveries(b) if x["type"] == "Create"][0]["object"]
    assert reply["inReplyTo"] == a.urls.message(sent["id"])
    assert list(reply["contentMap"]) == ["de"]  # every item carries its language
    # Greta, on the same node as Jonas, sees nothing of it, and nothing is public.
    _, hers = await call(b, "GET", "/api/v1/conversations", greta)
    assert hers == []
    status, _ = await call(b, "GET", f"/api/v1/conversations/{convs[0]['id']}", greta)
    assert status == 404
    for node, token in ((b, greta), (a, camille)):
        _, feed = await call(node, "GET", "/api/v1/feed", token)
        assert "perceuse" not in json.dumps(feed) and "gerne" not in json.dumps(feed)
    async with __import__("aiohttp").ClientSession() as session:
        async with session.get(
            a.urls.outbox("camille") + "?page=1",
            headers={"Accept": "application/activity+json"},
        ) as resp:
            assert "perceuse" not in await resp.text()


async def test_a_mastodon_direct_message_arrives_as_a_conversation(make_settings, cleanup):
    node, runner = await start_node(make_settings, "fr")
    peer = await Peer().start()
    cleanup.push_async_callback(runner.cleanup)
    cleanup.push_async_callback(peer.stop)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    bob = await make_resident(node, "bob")
    token, bob_token = await make_token(node, alice.id), await make_token(node, bob.id)
    me = node.urls.actor("alice")
    note = {
        "id": f"{peer.base}/users/gargron/statuses/1",
        "type": "Note",
        "attributedTo": peer.uri("gargron"),
        "to": [me],
        "cc": [],
        "content": f'<p><span class="h-card"><a href="{me}" class="u-url mention">'
        "@<span>alice</span></a></span> Hello neighbour, is the ladder free?</p>",
        "tag": [{"type": "Mention", "href": me, "name": f"@alice@{node.urls.host}"}],
    }
    create = {
        "@context": ["https://www.w3.org/ns/activitystreams"],
        "id": note["id"] + "/activity",
        "type": "Create",
        "actor": peer.uri("gargron"),
        "to": [me],
        "cc": [],
        "object": note,
    }
    assert (await peer.post(node.urls.inbox("alice"), create, name="gargron"))[0] == 202
    await settle(node)
    _, convs = await call(node, "GET", "/api/v1/conversations", token)
    assert [(c["other"]["username"], c["last_message"]["text"]) for c in convs] == [
        (f"gargron@{peer.host}", "Hello neighbour, is the ladder free?")
    ]
    assert (await call(node, "GET", "/api/v1/conversations", bob_token))[1] == []
    _, feed = await call(node, "GET", "/api/v1/feed", bob_token)
    assert "ladder" not in json.dumps(feed)
    # Alice's reply continues the thread on Mastodon (inReplyTo the DM), to him only.
    await call(
        node,
        "POST",
        "/api/v1/messages",
        token,
        {"to": f"@gargron@{peer.host}", "text": "Yes, come by!"},
    )
    await settle(node)
    reply = peer.activities()[-1]
    assert reply["type"] == "Create" and reply["to"] == [peer.uri("gargron")]
    assert reply["object"]["inReplyTo"] == note["id"]
    assert reply["object"]["to"] == [peer.uri("gargron")] and reply["object"]["cc"] == []
    # A public Note mentioning alice is not a message.
    public = dict(
        create,
        id=create["id"] + "2",
        object=dict(note, id=note["id"] + "2", to=[PUBLIC], cc=[me]),
    )
    await peer.post(node.urls.shared_inbox(), public, name="gargron")
    await settle(node)
    _, convs = await call(node, "GET", "/api/v1/conversations", token)
    assert len(convs) == 1 and convs[0]["unread_count"] == 1


async def test_a_report_reaches_the_origin_moderators(make_settings, cleanup):
    fr, de, it = await nodes(
        make_settings,
        ("fr", "centre", "FR", ["camille"]),
        ("de", "aachen", "DE", ["jonas"]),
        ("it", "trastevere", "IT", ["giulia"]),
    )
    a, b = fr["node"], de["node"]
    cleanup.push_async_callback(stop, fr, de, it)
    moderator = await make_resident(b, "moderatorin", quarter="aachen", role="moderator")
    listing, remote = await share_listing(de, fr, "camille", "jonas", title="Fragwürdig")
    status, _ = await call(
        a,
        "POST",
        "/api/v1/reports",
        fr["tokens"]["camille"],
        {"target_type": "listing", "target_id": remote.id, "reason": "Arnaque"},
    )
    assert status == 201
    await settle(a, b, it["node"])
    flag = [x for _, x in await deliveries(a) if x["type"] == "Flag"][0]
    assert flag["actor"] == a.urls.instance_actor()  # the reporter's name stays home
    assert b.urls.listing(listing.id) in flag["object"] and flag["content"] == "Arnaque"

    def queue():
        mod = Resident.get_by_id(moderator.id)
        return [(r.target_type, r.target_id, r.reason) for r in moderation.queue(mod)]

    assert await b.db.run(queue) == [("listing", listing.id, "Arnaque")]
    row = await b.db.run(lambda: Report.get(Report.target_id == listing.id))
    assert row.quarter_id == de["quarter"].id and row.origin == a.urls.host
    # Nothing reached the third node.
    assert await it["node"].db.run(lambda: Report.select().count()) == 0
    assert await it["node"].db.run(lambda: Listing.select().count()) == 0
