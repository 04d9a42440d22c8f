"""WebFinger, host-meta, NodeInfo, actor documents and collections."""

import aiohttp
import pytest
from ap_support import start_node
from helpers import make_quarter, make_resident


@pytest.fixture
async def served(make_settings):
    node, runner = await start_node(make_settings, "a")
    await make_quarter(node)
    await make_resident(node, "alice")
    async with aiohttp.ClientSession() as session:
        yield node, session
    await runner.cleanup()


async def get(session, url, accept="application/activity+json"):
    async with session.get(url, headers={"Accept": accept}) as resp:
        return resp.status, dict(resp.headers), await resp.read()


async def test_webfinger_answers_residents_quarters_and_the_instance_actor(served):
    node, session = served
    host = node.urls.host
    base = node.urls.base + "/.well-known/webfinger?resource="
    cases = {
        f"acct:alice@{host}": (200, node.urls.actor("alice"), "Person"),
        f"acct:ALICE@{host}": (200, node.urls.actor("alice"), "Person"),
        f"acct:centre@{host}": (200, node.urls.quarter("centre"), "Group"),
        node.urls.base + "/": (200, node.urls.instance_actor(), "Application"),
        f"acct:nobody@{host}": (404, None, None),
        "acct:alice@elsewhere.example": (404, None, None),
        "garbage": (400, None, None),
    }
    for resource, (status, href, kind) in cases.items():
        async with session.get(base + resource) as resp:
            assert resp.status == status, resource
            assert resp.headers["Access-Control-Allow-Origin"] == "*"
            if status == 200:
                jrd = await resp.json(content_type=None)
                link = next(lk for lk in jrd["links"] if lk["rel"] == "self")
                assert (
                    link["href"] == href
                    and link["properties"]["https://www.w3.org/ns/activitystreams#type"] == kind
                )
    async with session.get(node.urls.base + "/.well-known/webfinger") as resp:
        assert resp.status == 400


async def test_host_meta_and_nodeinfo(served):
    node, session = served
    status, headers, body = await get(session, node.urls.base + "/.well-known/host-meta", "*/*")
    assert status == 200 and b"lrdd" in body
    async with session.get(node.urls.base + "/.well-known/nodeinfo") as resp:
        links = (await resp.json())["links"]
    rels = {lk["rel"]: lk["href"] for lk in links}
    assert rels["https://www.w3.org/ns/activitystreams#Application"] == node.urls.instance_actor()
    for version in ("2.1", "2.0"):
        async with session.get(rels[f"http://nodeinfo.diaspora.software/ns/schema/{version}"]) as r:
            doc = await r.json()
        assert doc["version"] == version and doc["usage"]["users"]["total"] == 1
        assert doc["protocols"] == ["activitypub"]


async def test_actor_documents_and_negotiation(served):
    node, session = served
    import json

    status, headers, body = await get(session, node.urls.actor("alice"))
    doc = json.loads(body)
    assert status == 200 and headers["Vary"] == "Accept"
    assert headers["Content-Type"].startswith("application/activity+json")
    assert doc["type"] == "Person" and doc["endpoints"]["sharedInbox"] == node.urls.shared_inbox()
    assert doc["publicKey"]["id"] == node.urls.actor("alice") + "#main-key"
    assert "BEGIN PUBLIC KEY" in doc["publicKey"]["publicKeyPem"]
    assert "https://w3id.org/security/v1" in doc["@context"]
    group = json.loads((await get(session, node.urls.quarter("centre")))[2])
    assert group["type"] == "Group"
    instance = json.loads((await get(session, node.urls.instance_actor(), "*/*"))[2])
    assert instance["type"] == "Application"  # unsigned, any Accept
    assert (await get(session, node.urls.actor("nobody")))[0] == 404
    # A browser is given the profile page, not JSON.
    status, headers, _ = await get(session, node.urls.actor("alice"), "text/html,*/*;q=0.8")
    assert status == 200 and headers["Content-Type"].startswith("text/html")


async def test_collections_are_paged(served):
    node, session = served
    import json

    for which in ("outbox", "followers", "following"):
        url = f"{node.urls.actor('centre')}/{which}"
        doc = json.loads((await get(session, url))[2])
        assert doc["type"] == "OrderedCollection" and doc["first"] == url + "?page=1"
        page = json.loads((await get(session, doc["first"]))[2])
        assert page["type"] == "OrderedCollectionPage" and page["orderedItems"] == []
