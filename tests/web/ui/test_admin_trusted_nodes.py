"""/admin/trusted-nodes: node admins list, trust and stop trusting other nodes' verifications."""

import io
import json
import re

import pytest
from helpers import csrf_token, login, make_quarter, make_resident, node_of, post_form

from node.activitypub import trusted_nodes
from node.activitypub.residence import RemoteAttestation, twin_issuer

PAGE = "/admin/trusted-nodes"


def hosts(node):
    return node.db.run(lambda: [t.host for t in trusted_nodes.listing()])


async def as_admin(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "root", role="admin")
    await login(client, "root")
    return node


def row_of(text: str, host: str) -> str:
    match = re.search(rf'<li id="trusted-{re.escape(host)}">(.*?)</li>', text, re.S)
    assert match, f"no row for {host}"
    return match.group(1)


async def test_admin_lists_trusts_and_stops_trusting_a_node(client):
    node = await as_admin(client)
    index = await (await client.get("/admin")).text()
    assert f'href="{PAGE}"' in index and "Trusted verifier nodes" in index
    page = await client.get(PAGE)
    assert page.status == 200 and "No trusted node" in await page.text()

    # a full web address of the node's root is reduced to its host; IDNA, lower case
    r = await post_form(client, PAGE, host="https://Bücher.Example:8443/", note="Aachen twins")
    assert r.status == 303 and r.headers["Location"] == PAGE
    assert await hosts(node) == ["xn--bcher-kva.example:8443"]
    assert await node.db.run(twin_issuer, "https://xn--bcher-kva.example:8443/quarters/q")

    # what is known of it: host, note, since when, who added it, attestations on file
    body = {"type": "ResidenceAttestation"}
    await node.db.run(
        lambda: RemoteAttestation.create(
            actor_uri="https://xn--bcher-kva.example:8443/@anna", body=json.dumps(body)
        )
    )
    await node.db.run(
        lambda: RemoteAttestation.create(
            actor_uri="https://other.example/@bob", body=json.dumps(body)
        )
    )
    text = await (await client.get(PAGE)).text()
    assert "is trusted now" in text  # the flash after the redirect
    row = row_of(text, "xn--bcher-kva.example:8443")
    assert "Aachen twins" in row and "@root" in row and "<dd>1</dd>" in row
    assert re.search(r"<dd>\w{3} \d{1,2}, \d{4}</dd>", row), row  # the day it was added

    r = await post_form(client, f"{PAGE}/remove", page=PAGE, host="xn--bcher-kva.example:8443")
    assert r.status == 303
    assert await hosts(node) == []
    assert not await node.db.run(twin_issuer, "https://xn--bcher-kva.example:8443/quarters/q")
    # removing it again: a clear 404 on the page, not a 5xx
    r = await post_form(client, f"{PAGE}/remove", page=PAGE, host="xn--bcher-kva.example:8443")
    assert r.status == 404 and "is not among the trusted nodes" in await r.text()


async def test_duplicates_and_our_own_host_are_refused_with_a_reason(client):
    node = await as_admin(client)
    assert (await post_form(client, PAGE, host="aachen.example")).status == 303
    r = await post_form(client, PAGE, host="AACHEN.example.")
    text = await r.text()
    assert r.status == 409 and "aachen.example is already trusted." in text
    assert 'aria-invalid="true"' in text  # shown at the field, the typed value kept
    assert 'value="AACHEN.example."' in text
    r = await post_form(client, PAGE, host=node.settings.host)  # 127.0.0.1:8080
    assert r.status == 422 and "This is this node itself" in await r.text()
    assert await hosts(node) == ["aachen.example"]


HOSTILE = [
    ("javascript:alert(1)", "no scheme, path or address"),
    ("http://x/..", "no scheme, path or address"),
    ("quartier.example/../admin", "no scheme, path or address"),
    ("ftp://quartier.example", "no scheme, path or address"),
    ("alice@quartier.example", "no scheme, path or address"),
    ("a" * 5000 + ".example", "too long"),
    ("a" * 64 + ".example", "not a valid host name"),
    ("quartier.example:99999", "from 1 to 65535"),
    ("quartier\u202e.example", "no scheme, path or address"),
    ("quartier.example?next=/admin", "no scheme, path or address"),
    ("<script>.example", "not a valid host name"),
    ("", "Give the node"),
    ("   ", "Give the node"),
]


@pytest.mark.parametrize("host,message", HOSTILE)
async def test_hostile_host_input_gets_a_form_error(client, host, message):
    node = await as_admin(client)
    r = await post_form(client, PAGE, host=host)
    text = await r.text()
    assert r.status == 422, text[:300]
    assert message in text and "<script>.example" not in text
    assert await hosts(node) == []


async def test_unicode_hosts_are_stored_as_their_idna_form(client):
    node = await as_admin(client)
    for typed in ("münchen.example", "Ünïcödé.example", "例え.テスト"):
        assert (await post_form(client, PAGE, host=typed)).status == 303
    assert await hosts(node) == sorted(
        t.encode("idna").decode().lower()
        for t in ("münchen.example", "ünïcödé.example", "例え.テスト")
    )
    # a field that is not text (a file) is no host either
    token = await csrf_token(client, PAGE)
    r = await client.post(PAGE, data={"csrf_token": token, "host": io.BytesIO(b"x.example")})
    assert r.status == 422 and len(await hosts(node)) == 3


@pytest.mark.parametrize("role", [None, "resident", "ambassador", "moderator"])
async def test_only_node_admins_see_or_use_the_page(client, role):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "root", role="admin")
    if role is None:
        r = await client.get(PAGE, allow_redirects=False)
        assert r.status == 303 and r.headers["Location"].startswith("/login?next=")
        token = await csrf_token(client, "/login")
    else:
        await make_resident(node, "someone", role=role)
        await login(client, "someone")
        assert (await client.get(PAGE)).status == 403
        assert PAGE not in await (await client.get("/admin")).text()
        token = await csrf_token(client, "/settings")
    await node.db.atomic(trusted_nodes.trust, "kept.example", node.settings.host)
    for path, host in ((PAGE, "new.example"), (f"{PAGE}/remove", "kept.example")):
        r = await client.post(path, data={"csrf_token": token, "host": host}, allow_redirects=False)
        assert r.status in (303, 403)
        if r.status == 303:
            assert r.headers["Location"].startswith("/login")
    assert await hosts(node) == ["kept.example"]


async def test_a_missing_or_wrong_csrf_token_is_refused(client):
    node = await as_admin(client)
    await node.db.atomic(trusted_nodes.trust, "kept.example", node.settings.host)
    for data in ({}, {"csrf_token": ""}, {"csrf_token": "forged"}):
        r = await client.post(PAGE, data={**data, "host": "new.example"}, allow_redirects=False)
        assert r.status == 403
        r = await client.post(
            f"{PAGE}/remove", data={**data, "host": "kept.example"}, allow_redirects=False
        )
        assert r.status == 403
    assert await hosts(node) == ["kept.example"]


async def test_the_page_speaks_french(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "root", role="admin", language="fr")
    await login(client, "root")
    r = await post_form(client, PAGE, host="http://x/..")
    text = await r.text()
    assert "Nœuds vérificateurs de confiance" in text and "ni schéma, ni chemin" in text
