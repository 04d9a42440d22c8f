"""The listings JSON API: publishing every type, reading, editing, withdrawing, searching, paging."""

import pytest
from helpers import api, make_resident, make_token, sharing_pair


@pytest.mark.parametrize(
    "kind,type_,extra",
    [
        ("offer", "service", {}),
        ("request", "service", {}),
        ("offer", "gift", {}),
        ("request", "gift", {}),
        ("offer", "loan", {}),
        ("request", "loan", {}),
        ("offer", "paid", {"price": "12.50", "price_unit": "hour"}),
        ("request", "paid", {"price": "30", "currency": "chf", "price_unit": "once"}),
    ],
)
async def test_every_listing_type_is_published(client, kind, type_, extra):
    node, alice, bob, ta, tb = await sharing_pair(client)
    body = {"kind": kind, "type": type_, "title": "Perceuse", "description": "**Solide**", **extra}
    status, data, _ = await api(client, "POST", "/api/v1/listings", ta, body)
    assert status == 201, data
    assert data["id"] and data["url"] == f"http://127.0.0.1:8080/listings/{data['id']}"
    assert (data["kind"], data["type"], data["state"]) == (kind, type_, "open")
    assert data["category"] == "other"
    assert data["reach"] == "quarter"
    assert data["origin"] == "local" and data["ap_id"] is None
    assert data["author"] == {"username": "alice", "display_name": "Alice", "handle": "@alice"}
    assert data["quarter"] == "centre"
    assert "<strong>Solide</strong>" in data["description_html"]
    assert data["created_at"].endswith("Z") and data["photos"] == []
    if type_ == "paid":
        assert data["price"] == f"{float(extra['price']):.2f}" and data["price_unit"]
        assert data["currency"] == extra.get("currency", "EUR").upper()
    else:
        assert data["price"] is None and data["price_unit"] is None
    status, again, _ = await api(client, "GET", f"/api/v1/listings/{data['id']}", tb)
    assert status == 200 and again == data


async def test_paid_listing_needs_price_and_unit(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    body = {"kind": "offer", "type": "paid", "title": "Baby-sitting"}
    status, data, _ = await api(client, "POST", "/api/v1/listings", ta, body)
    assert status == 422
    assert data["error"] == "invalid" and set(data["fields"]) == {"price", "price_unit"}


async def test_bad_fields_are_named(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    body = {"kind": "sell", "type": "loan", "title": "", "reach": "world", "category": "nope"}
    status, data, _ = await api(client, "POST", "/api/v1/listings", ta, body)
    assert status == 422
    assert {"kind", "title", "reach"} <= set(data["fields"])
    body = {"kind": "offer", "type": "loan", "title": "x", "category": "unknown_slug"}
    status, data, _ = await api(client, "POST", "/api/v1/listings", ta, body)
    assert status == 422 and "category" in data["fields"]


async def test_default_reach_comes_from_the_node(make_settings, aiohttp_client):
    from node.app import create_app

    client = await aiohttp_client(create_app(make_settings(default_reach="public")))
    node, alice, bob, ta, tb = await sharing_pair(client)
    status, data, _ = await api(
        client, "POST", "/api/v1/listings", ta, {"kind": "offer", "type": "gift", "title": "Sofa"}
    )
    assert status == 201 and data["reach"] == "public"


async def test_unverified_resident_cannot_publish(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    carol = await make_resident(node, "carol", verified=False)
    token = await make_token(node, carol.id)
    body = {"kind": "offer", "type": "gift", "title": "Sofa"}
    status, data, _ = await api(client, "POST", "/api/v1/listings", token, body)
    assert status == 403 and data["error"] == "forbidden"


async def test_anonymous_api_call_is_401(client):
    response = await client.post("/api/v1/listings", json={"kind": "offer"})
    assert response.status == 401
    assert (await response.json())["error"] == "unauthorized"


async def test_author_edits_reserves_and_withdraws(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    _, data, _ = await api(
        client, "POST", "/api/v1/listings", ta, {"kind": "offer", "type": "gift", "title": "Sofa"}
    )
    path = f"/api/v1/listings/{data['id']}"
    status, edited, _ = await api(
        client, "PATCH", path, ta, {"title": "Blue sofa", "category": "kitchen"}
    )
    assert status == 200 and edited["title"] == "Blue sofa" and edited["category"] == "kitchen"
    assert edited["kind"] == "offer"
    status, err, _ = await api(client, "PATCH", path, tb, {"title": "Mine now"})
    assert status == 403
    status, reserved, _ = await api(client, "PATCH", path, ta, {"state": "reserved"})
    assert status == 200 and reserved["state"] == "reserved"
    status, done, _ = await api(client, "PATCH", path, ta, {"state": "done"})
    assert done["state"] == "done"
    status, err, _ = await api(client, "PATCH", path, ta, {"state": "reserved"})
    assert status == 409 and err["error"] == "conflict"
    status, err, _ = await api(client, "DELETE", path, tb)
    assert status == 403
    status, gone, _ = await api(client, "DELETE", path, ta)
    assert status == 200 and gone["state"] == "withdrawn"
    status, err, _ = await api(client, "DELETE", path, ta)
    assert status == 409
    status, err, _ = await api(client, "GET", path, tb)
    assert status == 404  # withdrawn: only the author still sees it

    from node.local.listings import read as listing_reads

    revisions = await node.db.run(listing_reads.revisions, data["id"])
    assert [r.title for r in revisions] == ["Sofa"]


async def test_search_and_filters(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    for body in (
        {"kind": "offer", "type": "loan", "title": "Perceuse sans fil", "category": "diy"},
        {
            "kind": "request",
            "type": "service",
            "title": "Aide déménagement",
            "description": "Un carton ou deux",
        },
        {"kind": "offer", "type": "gift", "title": "Graines de tomates", "category": "garden"},
    ):
        status, _d, _ = await api(client, "POST", "/api/v1/listings", ta, body)
        assert status == 201

    async def titles(query):
        status, data, _ = await api(client, "GET", "/api/v1/listings" + query, tb)
        assert status == 200, data
        return [item["title"] for item in data]

    assert await titles("") == ["Graines de tomates", "Aide déménagement", "Perceuse sans fil"]
    assert await titles("?q=perceuse") == ["Perceuse sans fil"]
    assert await titles("?q=perc") == ["Perceuse sans fil"]  # prefix
    assert await titles("?q=carton") == ["Aide déménagement"]  # description
    assert await titles("?q=garden") == ["Graines de tomates"]  # category
    assert await titles("?q=sans%20fil") == ["Perceuse sans fil"]
    assert await titles("?q=fil%20tomates") == []  # every word must match
    assert await titles("?kind=request") == ["Aide déménagement"]
    assert await titles("?type=loan") == ["Perceuse sans fil"]
    assert await titles("?category=garden") == ["Graines de tomates"]
    # FTS syntax in the input is just words, never an error
    for nasty in ('"', "perceuse OR", "NEAR(", "*", "a:b", "'); drop", "-x", "&|!"):
        status, _d, _ = await api(
            client, "GET", "/api/v1/listings?q=" + nasty.replace("&", "%26"), tb
        )
        assert status == 200
    status, err, _ = await api(client, "GET", "/api/v1/listings?kind=sale", tb)
    assert status == 422


async def test_search_follows_edits_and_withdrawals(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    _, data, _ = await api(
        client, "POST", "/api/v1/listings", ta, {"kind": "offer", "type": "gift", "title": "Vélo"}
    )
    await api(client, "PATCH", f"/api/v1/listings/{data['id']}", ta, {"title": "Trottinette"})
    _, found, _ = await api(client, "GET", "/api/v1/listings?q=trottinette", tb)
    assert [x["id"] for x in found] == [data["id"]]
    _, found, _ = await api(client, "GET", "/api/v1/listings?q=velo", tb)
    assert found == []
    await api(client, "DELETE", f"/api/v1/listings/{data['id']}", ta)
    _, found, _ = await api(client, "GET", "/api/v1/listings?q=trottinette", tb)
    assert found == []


async def test_paging_with_link_header(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    ids = []
    for n in range(5):
        _, data, _ = await api(
            client,
            "POST",
            "/api/v1/listings",
            ta,
            {"kind": "offer", "type": "gift", "title": f"Item {n}"},
        )
        ids.append(data["id"])
    status, page, response = await api(client, "GET", "/api/v1/listings?limit=2", tb)
    assert [x["id"] for x in page] == ids[::-1][:2]
    link = response.headers["Link"]
    assert f"before={ids[3]}" in link and 'rel="next"' in link
    next_url = link[link.index("<") + 1 : link.index(">")]
    status, page2, response2 = await api(client, "GET", next_url[next_url.index("/api") :], tb)
    assert [x["id"] for x in page2] == [ids[2], ids[1]]
    _, page3, response3 = await api(client, "GET", f"/api/v1/listings?limit=2&before={ids[1]}", tb)
    assert [x["id"] for x in page3] == [ids[0]] and "Link" not in response3.headers
