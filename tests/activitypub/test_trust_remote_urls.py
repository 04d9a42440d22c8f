"""Remote URLs (issue #8): only http(s) URLs of other servers reach a link, a page or the API.

A real peer on loopback sends really signed listings and actor documents carrying hostile URLs;
the pages and the JSON API of the node are read over HTTP. Rows stored before the fix (written
straight into the database) must not be rendered as links either.
"""

import json

import aiohttp
import pytest
from ap_support import PUBLIC, Peer, start_node
from helpers import make_quarter, make_resident

from node.local.feed import FeedItem
from node.local.listings.models import Listing, ListingPhoto
from node.local.models import Quarter, Resident
from node.local.text import web_url

HOSTILE = [
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "//evil.example/phish",
    "http:\\\\evil.example\\phish",
    "ftp://evil.example/file",
    "http://",
]


@pytest.fixture
async def fed(make_settings):
    node, runner = await start_node(make_settings, "a")
    peer = await Peer().start()
    await make_quarter(node)
    await make_resident(node, "alice")
    yield node, peer
    await peer.stop()
    await runner.cleanup()


def listing(peer, n, url, name="bob"):
    note_id = f"{peer.base}/objects/item{n}"
    return {
        "id": note_id + "/create",
        "type": "Create",
        "actor": peer.uri(name),
        "to": [PUBLIC],
        "object": {
            "id": note_id,
            "type": "Note",
            "attributedTo": peer.uri(name),
            "name": f"Item {n}",
            "url": url,
            "content": f'<p>Nice <a href="{url}">thing</a></p>',
            "purpose": "offer",
            "attachment": [{"type": "Image", "mediaType": "image/png", "url": url}],
            "location": {"type": "Place", "latitude": 48.1, "longitude": -1.6},
            "to": [PUBLIC],
        },
    }


async def get(url, accept="text/html"):
    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers={"Accept": accept}) as resp:
            assert resp.status == 200, (url, resp.status)
            return await resp.text()


def assert_no_hostile_link(text, url):
    low = text.lower()
    for needle in ("javascript:", "vbscript:", "data:text/html", "//evil.example", "ftp://"):
        assert needle not in low, (url, needle)
    assert 'href="http://"' not in low


@pytest.mark.parametrize("url", HOSTILE, ids=range(len(HOSTILE)))
async def test_hostile_url_of_a_remote_listing_is_never_a_link(fed, url):
    node, peer = fed
    activity = listing(peer, 1, url)
    assert (await peer.post(node.urls.shared_inbox(), activity))[0] == 202
    await node.drain()
    row = await node.db.run(Listing.get)
    note_id = activity["object"]["id"]
    assert row.url == note_id  # the object's id (http, on its origin) stands in
    assert await node.db.run(ListingPhoto.select().count) == 0
    page = await get(node.urls.listing(row.id))
    assert f'href="{note_id}"' in page
    assert_no_hostile_link(page, url)
    api = json.loads(await get(node.urls.absolute(f"/api/v1/listings/{row.id}"), "*/*"))
    assert api["url"] == note_id and api["photos"] == []
    assert_no_hostile_link(json.dumps(api), url)


async def test_a_url_pointing_at_us_is_not_kept_for_a_remote_listing(fed):
    node, peer = fed
    ours = node.urls.absolute("/admin/quarters")
    activity = listing(peer, 2, ours)
    assert (await peer.post(node.urls.shared_inbox(), activity))[0] == 202
    await node.drain()
    row = await node.db.run(Listing.get)
    assert row.url == activity["object"]["id"]


async def test_a_link_url_list_keeps_the_first_http_link(fed):
    node, peer = fed
    activity = listing(peer, 3, "")
    page = f"{peer.base}/@bob/3"
    activity["object"]["url"] = [
        {"type": "Link", "href": "javascript:alert(1)", "mediaType": "text/html"},
        {"type": "Link", "href": page, "mediaType": "text/html"},
    ]
    assert (await peer.post(node.urls.shared_inbox(), activity))[0] == 202
    await node.drain()
    assert (await node.db.run(Listing.get)).url == page


@pytest.mark.parametrize("url", HOSTILE[:4], ids=range(4))
async def test_hostile_profile_url_of_a_remote_actor_is_never_a_link(fed, url):
    node, peer = fed
    real_actor = peer.actor

    def actor(name):
        return {**real_actor(name), "url": url}

    peer.actor = actor
    assert (await peer.post(node.urls.shared_inbox(), listing(peer, 4, peer.base + "/x")))[0] == 202
    await node.drain()
    bob = await node.db.run(lambda: Resident.get(Resident.username == "bob"))
    assert bob.profile_url == peer.uri("bob")
    page = await get(node.urls.base + f"/@bob@{peer.host}")
    assert f'href="{peer.uri("bob")}"' in page
    assert_no_hostile_link(page, url)


async def test_rows_stored_before_the_fix_are_not_rendered_as_links(fed):
    """Defence at render: a hostile url already in the database stays out of pages and JSON."""
    node, peer = fed
    assert (await peer.post(node.urls.shared_inbox(), listing(peer, 5, peer.base + "/ok")))[
        0
    ] == 202
    await node.drain()
    bad = "javascript:alert(document.cookie)"

    def poison():
        Listing.update(url=bad, quarter=Quarter.get().id).execute()  # and in the quarter's feed
        Resident.update(profile_url=bad).where(Resident.username == "bob").execute()
        return Listing.get().id

    listing_id = await node.db.run(poison)
    for path, accept in (
        (f"/listings/{listing_id}", "text/html"),
        (f"/@bob@{peer.host}", "text/html"),
        (f"/api/v1/listings/{listing_id}", "*/*"),
    ):
        assert_no_hostile_link(await get(node.urls.absolute(path), accept), bad)
    # the feed (API and Atom) reads remote pages through FeedItem.remote_url
    row = await node.db.run(Listing.get)
    item = FeedItem(
        type="listing",
        id=row.id,
        title="",
        summary="",
        path="/",
        created_at=row.created_at,
        row=row,
    )
    assert item.remote_url == ""


@pytest.mark.parametrize("url", HOSTILE, ids=range(len(HOSTILE)))
def test_web_url_refuses_what_is_not_an_http_url(url):
    assert web_url(url) == ""


def test_web_url_keeps_http_and_https():
    for url in ("https://mastodon.example/@bob/1", "http://127.0.0.1:8080/objects/1?x=1#f"):
        assert web_url(url) == url
