"""Thanks for a service, a gift or an event across the border: they reach the thanked person's
node, count once there (profile and notifications, as local thanks), and forged ones are refused."""

import datetime as dt
import json

from across_support import call, nodes, post_signed, settle, share_listing, stop
from ap_support import Peer, start_node
from factories import event_body
from helpers import make_quarter, make_resident, make_token

from node import following
from node.activitypub.models import Delivery, InboxItem
from node.local.events.models import Event
from node.local.models import utcnow
from node.local.thanks import Thanks


async def sent(node, kind="Create"):
    rows = await node.db.run(lambda: [json.loads(bytes(d.body)) for d in Delivery.select()])
    return [a for a in rows if a["type"] == kind]


async def inbox_item(node, activity_id):
    row = await node.db.run(lambda: InboxItem.get(InboxItem.activity_id == activity_id))
    return row.state, row.error


async def thanks_of(node, token, handle):
    """(count, [(from, kind, text)]) as the node's profile API shows them."""
    status, profile = await call(node, "GET", f"/api/v1/residents/{handle}", token)
    assert status == 200, profile
    latest = [(t["from"], t["kind"], t["text"]) for t in profile["thanks"]["latest"]]
    return profile["thanks"]["count"], latest


async def thanks_notices(node, token):
    _, notes = await call(node, "GET", "/api/v1/notifications", token)
    return [n["text"] for n in notes if n["kind"] == "thanks"]


async def talk(a, a_token, b, b_token, a_name, b_name):
    """a_name (on A) and b_name (on B) write to each other: what shows help was arranged."""
    to_b = {"to": f"@{b_name}@{b.urls.host}", "text": "Bonjour, pour le coup de main ?"}
    assert (await call(a, "POST", "/api/v1/messages", a_token, to_b))[0] == 201
    await settle(a, b)
    to_a = {"to": f"@{a_name}@{a.urls.host}", "text": "Ja, Samstag!"}
    assert (await call(b, "POST", "/api/v1/messages", b_token, to_a))[0] == 201
    await settle(a, b)


async def test_thanks_for_a_service_cross_over_both_ways_and_count_once(make_settings, cleanup):
    fr, de = await nodes(
        make_settings, ("fr", "centre", "FR", ["camille"]), ("de", "aachen", "DE", ["jonas"])
    )
    a, b = fr["node"], de["node"]
    camille, jonas = fr["tokens"]["camille"], de["tokens"]["jonas"]
    cleanup.push_async_callback(stop, fr, de)
    listing, remote = await share_listing(
        de, fr, "camille", "jonas", title="Gartenhilfe", type="service", language="de"
    )
    thanks = {"subject": "listing", "id": remote.id, "text": "Merci pour le jardin !"}
    # no conversation yet: refused here, as between neighbours of one node
    assert (await call(a, "POST", "/api/v1/thanks", camille, thanks))[0] == 403
    await talk(a, camille, b, jonas, "camille", "jonas")

    status, row = await call(a, "POST", "/api/v1/thanks", camille, thanks)
    assert status == 201 and row["kind"] == "service", row
    await settle(a, b)
    # A direct Note to Jonas alone (no Public, no followers), shaped as loan thanks, naming the
    # listing by its origin's id; readable as a direct message on Mastodon.
    create = (await sent(a))[-1]
    note = create["object"]
    assert create["to"] == note["to"] == [b.urls.actor("jonas")]
    assert create["cc"] == note["cc"] == []
    assert note["type"] == "Note" and note["attributedTo"] == a.urls.actor("camille")
    assert note["context"] == b.urls.listing(listing.id)
    assert note["thanksFor"] == "service" and "loanStep" not in note
    assert note["content"] == "<p>Merci pour le jardin !</p>"
    assert note["tag"] == [
        {"type": "Mention", "href": b.urls.actor("jonas"), "name": f"@jonas@{b.urls.host}"}
    ]
    # On B: counted on Jonas's profile with its words, and told as a local thanks is.
    assert await thanks_of(b, jonas, "jonas") == (
        1,
        [("Camille", "service", "Merci pour le jardin !")],
    )
    notices = await thanks_notices(b, jonas)
    assert len(notices) == 1 and "Gartenhilfe" in notices[0]
    assert "Merci pour le jardin !" in notices[0]

    # The same activity delivered again, even past the inbox's record: counted once.
    await b.db.run(lambda: InboxItem.delete().execute())
    assert await post_signed(a, "camille", b.urls.shared_inbox(), create) == 202
    await settle(a, b)
    assert await inbox_item(b, create["id"]) == ("ignored", "thanks already recorded")
    assert (await thanks_of(b, jonas, "jonas"))[0] == 1
    assert len(await thanks_notices(b, jonas)) == 1

    # The author thanks the helper back, by name across the border: it reaches Camille on A.
    back = {
        "subject": "listing",
        "id": listing.id,
        "to": f"@camille@{a.urls.host}",
        "text": "Danke für die Tomaten",
    }
    status, row = await call(b, "POST", "/api/v1/thanks", jonas, back)
    assert status == 201, row
    await settle(a, b)
    assert (await sent(b))[-1]["object"]["context"] == b.urls.listing(listing.id)
    assert await thanks_of(a, camille, "camille") == (
        1,
        [("Jonas", "service", "Danke für die Tomaten")],
    )
    notices = await thanks_notices(a, camille)
    assert len(notices) == 1 and "Danke für die Tomaten" in notices[0]
    # each thanks is counted once on each node: no echo back
    assert await b.db.run(lambda: Thanks.select().count()) == 2
    assert await a.db.run(lambda: Thanks.select().count()) == 2
    assert (await thanks_of(b, jonas, "jonas"))[0] == 1


async def test_thanks_for_an_event_reach_the_organiser(make_settings, cleanup):
    fr, de = await nodes(
        make_settings,
        ("fr", "centre", "FR", ["camille", "louis"]),
        ("de", "aachen", "DE", ["jonas"]),
    )
    a, b = fr["node"], de["node"]
    camille, louis, jonas = fr["tokens"]["camille"], fr["tokens"]["louis"], de["tokens"]["jonas"]
    cleanup.push_async_callback(stop, fr, de)
    await following.follow(a, "camille", f"@aachen@{b.urls.host}")
    await settle(a, b)
    status, event = await call(
        b, "POST", "/api/v1/events", jonas, event_body(title="Straßenfest", reach="public")
    )
    assert status == 201, event
    await settle(a, b)
    ref = b.urls.event(event["id"])
    copy = await a.db.run(lambda: Event.get(Event.external_ref == ref))
    assert (await call(a, "POST", f"/api/v1/events/{copy.id}/rsvp", camille, {"status": "going"}))[
        0
    ] == 200
    await settle(a, b)
    # the street party has begun, on both nodes
    began = utcnow() - dt.timedelta(hours=1)
    for node in (a, b):
        await node.db.run(lambda: Event.update(starts_at=began).execute())

    thanks = {"subject": "event", "id": copy.id, "text": "Quelle fête !"}
    assert (await call(a, "POST", "/api/v1/thanks", camille, thanks))[0] == 201
    await settle(a, b)
    note = (await sent(a))[-1]["object"]
    assert note["thanksFor"] == "event" and note["context"] == ref
    assert await thanks_of(b, jonas, "jonas") == (1, [("Camille", "event", "Quelle fête !")])
    assert len(await thanks_notices(b, jonas)) == 1

    # Louis did not go: his node refuses to send, and B refuses the same Note forged by his node.
    assert (await call(a, "POST", "/api/v1/thanks", louis, thanks))[0] == 403
    forged = json.loads(json.dumps((await sent(a))[-1]).replace("/@camille", "/@louis"))
    forged["id"] += "-louis"
    forged["object"]["id"] += "-louis"
    assert await post_signed(a, "louis", b.urls.shared_inbox(), forged) == 202
    await settle(a, b)
    state, error = await inbox_item(b, forged["id"])
    assert state == "rejected" and "Only people who went" in error
    assert (await thanks_of(b, jonas, "jonas"))[0] == 1


async def test_forged_and_mismatched_thanks_are_refused(make_settings, cleanup):
    fr, de = await nodes(
        make_settings,
        ("fr", "centre", "FR", ["camille"]),
        ("de", "aachen", "DE", ["jonas", "greta"]),
    )
    a, b = fr["node"], de["node"]
    camille, jonas, greta = fr["tokens"]["camille"], de["tokens"]["jonas"], de["tokens"]["greta"]
    mallory = await Peer().start()
    cleanup.push_async_callback(stop, fr, de)
    cleanup.push_async_callback(mallory.stop)
    listing, remote = await share_listing(
        de, fr, "camille", "greta", title="Kinderwagen", type="gift", language="de"
    )
    await talk(a, camille, b, jonas, "camille", "jonas")
    await talk(a, camille, b, greta, "camille", "greta")
    me, jonas_uri = a.urls.actor("camille"), b.urls.actor("jonas")

    def thanks(ident, to=jonas_uri, context=b.urls.listing(listing.id), actor=me, **extra):
        note = {
            "id": ident,
            "type": "Note",
            "attributedTo": actor,
            "to": to if isinstance(to, list) else [to],
            "cc": [],
            "content": "<p>Danke</p>",
            "context": context,
            "thanksFor": "gift",
        }
        note.update(extra)
        return {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": ident + "-create",
            "type": "Create",
            "actor": actor,
            "to": note["to"],
            "object": note,
        }

    refused = {
        # Greta wrote the listing: thanks for it addressed to Jonas are not his
        "not-his": thanks(a.urls.base + "/thanks/901"),
        # a listing B never had, one of A's that B has no copy of
        "unknown": thanks(a.urls.base + "/thanks/902", context=b.urls.listing(4242)),
        "unknown-ours": thanks(a.urls.base + "/thanks/903", context=a.urls.base + "/listings/1"),
        # thanks for an event naming a listing
        "kind": thanks(a.urls.base + "/thanks/904", thanksFor="event"),
        "no-kind": thanks(a.urls.base + "/thanks/905", thanksFor="stars"),
        # two residents at once
        "two": thanks(a.urls.base + "/thanks/906", to=[jonas_uri, b.urls.actor("greta")]),
    }
    for activity in refused.values():
        assert await post_signed(a, "camille", b.urls.shared_inbox(), activity) == 202
    # a third server signs as itself but claims the Note is Camille's: refused at the door
    claimed = thanks(mallory.base + "/thanks/1", to=b.urls.actor("greta"), actor=mallory.uri("m"))
    claimed["object"]["attributedTo"] = me
    status, answer = await mallory.post(b.urls.shared_inbox(), claimed, name="m")
    assert (status, answer["message"]) == (403, "object author is not on the actor's origin")
    # Camille's own node signs as Camille a Note it says is Louis's: refused by the handler
    other = thanks(a.urls.base + "/thanks/907", to=b.urls.actor("greta"))
    other["object"]["attributedTo"] = a.urls.actor("louis")
    assert await post_signed(a, "camille", b.urls.shared_inbox(), other) == 202
    # and thanks Greta as itself: it never talked with her
    own = thanks(mallory.base + "/thanks/2", to=b.urls.actor("greta"), actor=mallory.uri("m"))
    assert (await mallory.post(b.urls.shared_inbox(), own, name="m"))[0] == 202
    await settle(a, b)
    reasons = {k: await inbox_item(b, v["id"]) for k, v in refused.items()}
    assert reasons == {
        "not-his": ("rejected", "refused: These thanks are not for this resident."),
        "unknown": ("rejected", "refused: No such listing."),
        "unknown-ours": ("rejected", "the thanks name no listing or event known here"),
        "kind": ("rejected", "thanks for a event naming a listing"),
        "no-kind": ("rejected", "thanks for an unknown kind of help"),
        "two": ("rejected", "thanks go to exactly one resident of this node"),
    }
    assert await inbox_item(b, other["id"]) == (
        "rejected",
        "the object is attributed to someone other than the sender",
    )
    state, error = await inbox_item(b, own["id"])
    assert state == "rejected" and "write to each other" in error
    assert await b.db.run(lambda: Thanks.select().count()) == 0
    assert await thanks_notices(b, jonas) == [] and await thanks_notices(b, greta) == []

    # The right one, to Greta, for her gift: taken, once.
    assert (
        await call(a, "POST", "/api/v1/thanks", camille, {"subject": "listing", "id": remote.id})
    )[0] == 201
    await settle(a, b)
    assert await thanks_of(b, greta, "greta") == (1, [("Camille", "gift", "Thank you!")])


async def test_thanks_to_a_mastodon_account_are_a_readable_direct_note(make_settings, cleanup):
    node, runner = await start_node(make_settings, "fr")
    peer = await Peer().start()
    cleanup.push_async_callback(runner.cleanup)
    cleanup.push_async_callback(peer.stop)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    token = await make_token(node, alice.id)
    status, listing = await call(
        node,
        "POST",
        "/api/v1/listings",
        token,
        {
            "kind": "offer",
            "type": "gift",
            "title": "Pousette",
            "description": "Une poussette en bon état",
            "category": "children",
            "reach": "quarter",
            "language": "fr",
        },
    )
    assert status == 201, listing
    # Gargron (Mastodon) wrote to Alice about it, and she answered.
    me = node.urls.actor("alice")
    note = {
        "id": f"{peer.base}/users/gargron/statuses/1",
        "type": "Note",
        "attributedTo": peer.uri("gargron"),
        "to": [me],
        "cc": [],
        "content": "<p>@alice is the pram still there?</p>",
        "tag": [{"type": "Mention", "href": me, "name": f"@alice@{node.urls.host}"}],
    }
    create = {
        "@context": ["https://www.w3.org/ns/activitystreams"],
        "id": note["id"] + "/activity",
        "type": "Create",
        "actor": peer.uri("gargron"),
        "to": [me],
        "object": note,
    }
    assert (await peer.post(node.urls.inbox("alice"), create, name="gargron"))[0] == 202
    await settle(node)
    to = f"@gargron@{peer.host}"
    assert (await call(node, "POST", "/api/v1/messages", token, {"to": to, "text": "Yes!"}))[
        0
    ] == 201
    await settle(node)
    thanks = {"subject": "listing", "id": listing["id"], "to": to, "text": "Merci d'être passé"}
    assert (await call(node, "POST", "/api/v1/thanks", token, thanks))[0] == 201
    await settle(node)
    got = peer.activities()[-1]
    assert got["type"] == "Create" and got["to"] == [peer.uri("gargron")] and got["cc"] == []
    assert got["object"]["to"] == [peer.uri("gargron")] and got["object"]["cc"] == []
    assert got["object"]["content"] == "<p>Merci d&#x27;être passé</p>"
    assert got["object"]["tag"][0]["href"] == peer.uri("gargron")
