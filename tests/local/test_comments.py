"""Comments under listings and events: local ones, replies from elsewhere, hiding, and replies out."""

import datetime as dt
import json

import aiohttp
import pytest
from ap_support import Peer, publish_listing, start_node
from factories import make_listing
from helpers import csrf_token, login, make_quarter, make_resident, node_of, switch_to

from node.activitypub import actors, keys
from node.activitypub.models import Follower
from node.activitypub.signatures import verify_request
from node.commit import commit
from node.local import comments
from node.local.errors import NotAllowed
from node.local.events.models import Event
from node.local.listings.models import Listing
from node.local.models import Comment
from node.local.moderation import actions as moderation


async def _comment(client, path, text):
    token = await csrf_token(client, path)
    return await client.post(
        f"{path}/comments", data={"csrf_token": token, "text": text}, allow_redirects=False
    )


async def test_a_residents_comment_appears_under_the_listing(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    await make_resident(node, "bob")
    listing = await make_listing(node, alice, "Ladder to lend")
    await login(client, "bob")
    r = await _comment(client, f"/listings/{listing.id}", "Is it **still** free?")
    assert r.status == 303 and "#comment-" in r.headers["Location"]
    page = await (await client.get(f"/listings/{listing.id}")).text()
    assert "<strong>still</strong>" in page and 'href="/@bob"' in page


async def test_a_comment_under_an_event_and_an_empty_one(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")

    def make_event():
        now = dt.datetime(2030, 5, 1, 18)
        return Event.create(
            organiser=alice.id,
            quarter=alice.quarter_id,
            title="Street party",
            starts_at=now,
            ends_at=now + dt.timedelta(hours=3),
            timezone="Europe/Paris",
        )

    event = await node.db.run(make_event)
    await login(client, "alice")
    r = await _comment(client, f"/events/{event.id}", "   ")
    assert r.status == 303 and r.headers["Location"].endswith("#comments")
    assert await node.db.run(lambda: Comment.select().count()) == 0
    await _comment(client, f"/events/{event.id}", "Bring chairs <script>x</script>")
    page = await (await client.get(f"/events/{event.id}")).text()
    assert "Bring chairs" in page and "<script>x" not in page


async def test_unverified_residents_cannot_comment(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    carol = await make_resident(node, "carol", verified=False)
    listing = await make_listing(node, alice)
    with pytest.raises(NotAllowed):
        await commit(node, comments.post, carol.id, "listing", listing.id, "hello")


async def test_a_hidden_comment_is_shown_to_its_author_only_and_marked(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    bob = await make_resident(node, "bob")
    await make_resident(node, "carol")
    await make_resident(node, "mod", role="moderator")
    listing = await make_listing(node, alice, reach="public")
    comment = await commit(node, comments.post, bob.id, "listing", listing.id, "Rude words")
    kept = await commit(node, comments.post, alice.id, "listing", listing.id, "Kind words")
    await login(client, "mod")
    page = await (await client.get(f"/listings/{listing.id}")).text()
    assert "Rude words" in page and "Hide this comment" in page
    token = await csrf_token(client, f"/listings/{listing.id}")
    r = await client.post(
        "/moderation/act",
        data={
            "csrf_token": token,
            "action": "hide",
            "target_type": "comment",
            "target_id": comment.id,
        },
        allow_redirects=False,
    )
    assert r.status == 303
    # its author still sees it, marked; the listing's page holds no hide button for it
    await switch_to(client, "bob")
    page = await (await client.get(f"/listings/{listing.id}")).text()
    own = page[page.index(f'id="comment-{comment.id}"') :].split("</li>")[0]
    assert "Rude words" in own and "comment-hidden-marker" in own
    assert "Hidden by a moderator" in own
    other = page[page.index(f'id="comment-{kept.id}"') :].split("</li>")[0]
    assert "Kind words" in other and "comment-hidden-marker" not in other
    r = await client.get(f"/comments/{comment.id}", allow_redirects=False)
    assert r.status == 303 and r.headers["Location"].endswith(f"#comment-{comment.id}")
    # ... and the notification of the hiding leads to it
    notes = await (await client.get("/notifications")).text()
    assert f"/listings/{listing.id}#comment-{comment.id}" in notes
    # the listing's author, another resident and the moderator do not see it any more
    for who in ("alice", "carol", "mod"):
        await switch_to(client, who)
        page = await (await client.get(f"/listings/{listing.id}")).text()
        assert "Kind words" in page
        assert "Rude words" not in page and f'id="comment-{comment.id}"' not in page, who
        assert "comment-hidden-marker" not in page
        r = await client.get(f"/comments/{comment.id}", allow_redirects=False)
        assert r.status == 404, who
    # nor does an anonymous reader, nor another server asking for the Note
    client.session.cookie_jar.clear()
    page = await (await client.get(f"/listings/{listing.id}")).text()
    assert "Kind words" in page and "Rude words" not in page
    assert (await client.get(f"/comments/{comment.id}", allow_redirects=False)).status == 404
    r = await client.get(f"/comments/{comment.id}", headers={"Accept": "application/activity+json"})
    assert r.status == 404
    r = await client.get(f"/comments/{kept.id}", headers={"Accept": "application/activity+json"})
    assert r.status == 200 and "Kind words" in (await r.json())["content"]
    # the JSON API has no comments at all: neither comment is in the listing's answer
    body = await (await client.get(f"/api/v1/listings/{listing.id}")).text()
    assert "Rude words" not in body and "Kind words" not in body


async def test_a_hidden_comment_under_an_event_is_marked_for_its_author(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    bob = await make_resident(node, "bob", language="fr")
    mod = await make_resident(node, "mod", role="moderator")

    def make_event():
        now = dt.datetime(2030, 5, 1, 18)
        return Event.create(
            organiser=alice.id,
            quarter=alice.quarter_id,
            title="Street party",
            starts_at=now,
            ends_at=now + dt.timedelta(hours=3),
            timezone="Europe/Paris",
        )

    event = await node.db.run(make_event)
    comment = await commit(node, comments.post, bob.id, "event", event.id, "Loud remark")
    await commit(node, moderation.act, mod.id, "hide", "comment", comment.id, "rude")
    await login(client, "bob")
    page = await (await client.get(f"/events/{event.id}")).text()
    assert "Loud remark" in page and "comment-hidden-marker" in page
    assert "Masqué par un modérateur" in page  # bob reads French
    await switch_to(client, "alice")
    page = await (await client.get(f"/events/{event.id}")).text()
    assert "Loud remark" not in page and "comment-hidden-marker" not in page
    # unhidden, it is everyone's again, without the marker
    await commit(node, moderation.act, mod.id, "unhide", "comment", comment.id, "")
    page = await (await client.get(f"/events/{event.id}")).text()
    assert "Loud remark" in page and "comment-hidden-marker" not in page


@pytest.fixture
async def fed(make_settings):
    node, runner = await start_node(make_settings, "a")
    peer = await Peer().start()
    quarter = await make_quarter(node)
    alice = await make_resident(node, "alice")
    yield node, peer, quarter, alice
    await peer.stop()
    await runner.cleanup()


async def test_a_mastodon_reply_appears_under_the_listing(fed):
    node, peer, quarter, alice = fed
    listing = await publish_listing(node, alice, quarter)
    note_id = f"{peer.base}/users/bob/statuses/7"
    reply = {
        "@context": [
            "https://www.w3.org/ns/activitystreams",
            {"toot": "http://joinmastodon.org/ns#"},
        ],
        "id": note_id + "/activity",
        "type": "Create",
        "actor": peer.uri("bob"),
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [peer.uri("bob") + "/followers", node.urls.actor("alice")],
        "object": {
            "id": note_id,
            "type": "Note",
            "inReplyTo": node.urls.listing(listing.id),
            "attributedTo": peer.uri("bob"),
            "url": f"{peer.base}/@bob/7",
            "content": '<p><span class="h-card"><a href="x" class="u-url mention">@alice</a></span>'
            " Can I come by tonight?</p>",
            "tag": [{"type": "Mention", "href": node.urls.actor("alice"), "name": "@alice"}],
        },
    }
    assert (await peer.post(node.urls.shared_inbox(), reply))[0] == 202
    await node.drain()
    async with aiohttp.ClientSession() as session:
        async with session.get(node.urls.listing(listing.id)) as resp:
            page = await resp.text()
    assert "Can I come by tonight?" in page
    assert f"/@bob@{peer.host}" in page


async def test_a_reply_to_a_remote_listing_reaches_its_author(fed):
    node, peer, quarter, alice = fed

    # Given a listing of bob's, a remote resident known through his actor document
    remote = await actors.fetch_actor(node, peer.uri("bob"))
    ref = f"{peer.base}/objects/drill"

    def remote_listing():
        bob = actors.remote_resident(remote)
        return Listing.create(
            author=bob.id,
            kind="offer",
            type="loan",
            title="Bob's drill",
            description_html="<p>drill</p>",
            category="diy",
            reach="public",
            external_ref=ref,
            origin=peer.host,
        )

    listing = await node.db.run(remote_listing)
    # When alice comments under it
    await commit(node, comments.post, alice.id, "listing", listing.id, "May I borrow it?")
    await node.drain()
    # Then bob's server receives a signed Create(Note) replying to his listing and mentioning him
    creates = [a for a in peer.activities() if a["type"] == "Create"]
    assert len(creates) == 1
    note = creates[0]["object"]
    assert note["inReplyTo"] == ref
    assert peer.uri("bob") in creates[0]["to"] and peer.uri("bob") in note["to"]
    assert "https://www.w3.org/ns/activitystreams#Public" in note["to"]
    assert note["tag"][0]["href"] == peer.uri("bob")
    assert "May I borrow it?" in note["content"]
    path, headers, body = peer.received[-1]
    actor = await node.db.run(actors.local_document, node, "alice")
    public = keys.load_public_key(actor["publicKey"]["publicKeyPem"])
    assert verify_request("POST", path, headers, body, public, dt.datetime.now(dt.UTC))
    # and the comment's id dereferences to the same Note
    async with aiohttp.ClientSession() as session:
        async with session.get(note["id"], headers={"Accept": "application/activity+json"}) as r:
            assert r.status == 200
            assert json.loads(await r.text())["inReplyTo"] == ref


async def test_a_comment_on_a_quarter_only_listing_stays_here(fed):
    node, peer, quarter, alice = fed
    bob = await make_resident(node, "bob")
    # Given bob has a follower on the peer server
    await node.db.run(
        lambda: Follower.create(
            handle="bob",
            actor_uri=peer.uri("carl"),
            inbox=peer.uri("carl") + "/inbox",
            shared_inbox=peer.base + "/inbox",
            state="accepted",
        )
    )
    closed = await publish_listing(node, alice, quarter, reach="quarter")
    public = await publish_listing(node, alice, quarter, reach="public")
    # When bob comments under both
    await commit(node, comments.post, bob.id, "listing", closed.id, "Neighbourly question")
    await commit(node, comments.post, bob.id, "listing", public.id, "Public question")
    await node.drain()
    # Then only the public one leaves the node, to bob's followers, replying to alice's listing
    creates = [a for a in peer.activities() if a["type"] == "Create"]
    assert [c["object"]["inReplyTo"] for c in creates] == [node.urls.listing(public.id)]
    assert creates[0]["cc"] == [node.urls.followers("bob")]
    assert creates[0]["object"]["to"][0] == node.urls.actor("alice")
