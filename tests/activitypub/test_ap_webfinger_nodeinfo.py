"""Tests for node.activitypub.webfinger and node.activitypub.nodeinfo."""

import re
import xml.etree.ElementTree as ET

import pytest
from aiohttp import ClientSession, web
from bovine.clients import lookup_uri_with_webfinger

from node.activitypub import nodeinfo, webfinger
from node.activitypub.http import SafeClient
from node.activitypub.webfinger import (
    WebfingerError,
    host_meta_xml,
    jrd_for,
    parse_acct,
    resolve_handle,
    self_link,
)

HOST = "quartier.example"

# ------------------------------------------------------------------ JRD builder


def test_jrd_shape_matches_mastodon_and_lemmy():
    jrd = jrd_for(
        f"alice@{HOST}",
        f"https://{HOST}/actors/alice",
        f"https://{HOST}/@alice",
        "Person",
        subscribe_template=f"https://{HOST}/authorize_interaction?uri={{uri}}",
    )
    assert jrd["subject"] == f"acct:alice@{HOST}"
    assert jrd["aliases"] == [f"https://{HOST}/@alice", f"https://{HOST}/actors/alice"]
    by_rel = {link["rel"]: link for link in jrd["links"]}
    assert by_rel["self"] == {
        "rel": "self",
        "type": "application/activity+json",
        "href": f"https://{HOST}/actors/alice",
        "properties": {"https://www.w3.org/ns/activitystreams#type": "Person"},
    }
    assert by_rel["http://webfinger.net/rel/profile-page"]["type"] == "text/html"
    assert by_rel["http://ostatus.org/schema/1.0/subscribe"]["template"].endswith("?uri={uri}")
    assert self_link(jrd) == f"https://{HOST}/actors/alice"


def test_jrd_for_group_and_instance_actor():
    group = jrd_for(f"acct:rue-verte@{HOST}", f"https://{HOST}/quarters/rue-verte", kind="Group")
    assert group["subject"] == f"acct:rue-verte@{HOST}"
    assert group["aliases"] == [f"https://{HOST}/quarters/rue-verte"]
    assert [link["rel"] for link in group["links"]] == ["self"]
    assert group["links"][0]["properties"][webfinger.PROP_TYPE] == "Group"
    # FEP-d556: the subject of the instance actor's JRD is the server URL itself.
    inst = jrd_for(f"https://{HOST}/", f"https://{HOST}/actor", kind="Application")
    assert inst["subject"] == f"https://{HOST}/"


# ------------------------------------------------------------------ resource parsing


@pytest.mark.parametrize(
    "resource",
    [f"acct:alice@{HOST}", f"alice@{HOST}", f"ACCT:Alice@{HOST.upper()}", f"@alice@{HOST}."],
)
def test_parse_acct_accepts_forms_case_insensitively(resource):
    assert parse_acct(resource, HOST) == "alice"


def test_parse_acct_with_port_and_instance_actor():
    assert parse_acct("acct:bob@127.0.0.1:8080", "127.0.0.1:8080") == "bob"
    assert parse_acct(f"https://{HOST}/", HOST) == HOST
    assert parse_acct(f"https://{HOST}", HOST) == HOST


@pytest.mark.parametrize(
    "resource,status",
    [
        (None, 400),
        ("", 400),
        ("acct:alice", 400),
        (f"acct:@{HOST}", 400),
        (f"acct:al ice@{HOST}", 400),
        (f"acct:<script>@{HOST}", 400),
        ("acct:alice@elsewhere.example", 404),
        ("https://elsewhere.example/", 404),
        (f"https://{HOST}/users/alice", 404),
    ],
)
def test_parse_acct_errors(resource, status):
    with pytest.raises(WebfingerError) as info:
        parse_acct(resource, HOST)
    assert info.value.status == status


def test_host_meta_xml():
    xml = host_meta_xml(f"https://{HOST}/")
    root = ET.fromstring(xml)
    link = root.find("{http://docs.oasis-open.org/ns/xri/xrd-1.0}Link")
    assert link is not None and link.get("rel") == "lrdd"
    assert link.get("template") == f"https://{HOST}/.well-known/webfinger?resource={{uri}}"
    assert "&" not in host_meta_xml("https://a.example/?x=1&y=2").replace("&amp;", "")


def test_self_link_prefers_type_else_last_and_ignores_non_ap_links():
    jrd = {
        "links": [
            {"rel": "self", "type": "text/html", "href": "https://l.example/u/x"},
            {
                "rel": "self",
                "type": "application/activity+json",
                "href": "https://l.example/u/x",
                "properties": {webfinger.PROP_TYPE: "Person"},
            },
            {
                "rel": "self",
                "type": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
                "href": "https://l.example/c/x",
                "properties": {webfinger.PROP_TYPE: "Group"},
            },
            {"rel": "self", "type": "application/activity+json", "href": "javascript:alert(1)"},
        ]
    }
    assert self_link(jrd) == "https://l.example/c/x"
    assert self_link(jrd, prefer_type="Person") == "https://l.example/u/x"
    assert self_link({"links": "nope"}) is None


# ------------------------------------------------------------------ lookup client


@pytest.fixture
async def wf_server(aiohttp_server):
    """A loopback node answering WebFinger for alice, a Lemmy-style name clash, and junk."""
    state = {"requests": []}

    async def handler(request: web.Request) -> web.Response:
        state["requests"].append(request.query.get("resource"))
        host = request.host
        try:
            user = parse_acct(request.query.get("resource"), host)
        except WebfingerError as exc:
            return web.json_response({"error": exc.reason}, status=exc.status)
        if user == "alice":
            jrd = jrd_for(f"alice@{host}", f"http://{host}/actors/alice", f"http://{host}/@alice")
        elif user == "velo":
            jrd = jrd_for(f"velo@{host}", f"http://{host}/u/velo")
            jrd["links"] += jrd_for(f"velo@{host}", f"http://{host}/c/velo", kind="Group")["links"]
        elif user == "junk":
            return web.Response(text="<html>", content_type="text/html")
        else:
            return web.json_response({"error": "unknown"}, status=404)
        return web.json_response(jrd, content_type="application/jrd+json")

    app = web.Application()
    app.router.add_get("/.well-known/webfinger", handler)
    server = await aiohttp_server(app)
    state["host"] = f"127.0.0.1:{server.port}"
    return state


async def test_resolve_handle_over_loopback(wf_server):
    host = wf_server["host"]
    async with SafeClient(allow_private=True, allow_http=True) as client:
        assert await resolve_handle(client, f"@alice@{host}", "http") == (
            f"http://{host}/actors/alice"
        )
        assert wf_server["requests"][-1] == f"acct:alice@{host}"
        # Lemmy-style clash: the last self link wins unless a type is asked for.
        assert await resolve_handle(client, f"velo@{host}", "http") == f"http://{host}/c/velo"
        got = await resolve_handle(client, f"velo@{host}", "http", prefer_type="Person")
        assert got == f"http://{host}/u/velo"
        with pytest.raises(WebfingerError) as info:
            await resolve_handle(client, f"@nobody@{host}", "http")
        assert info.value.status == 404
        with pytest.raises(WebfingerError, match="not JSON"):
            await resolve_handle(client, f"@junk@{host}", "http")
        with pytest.raises(WebfingerError, match="not a fediverse handle"):
            await resolve_handle(client, "alice", "http")


async def test_resolve_handle_refuses_http_and_private_when_not_allowed(wf_server):
    host = wf_server["host"]
    async with SafeClient(allow_private=True, allow_http=False) as client:
        with pytest.raises(WebfingerError, match="http WebFinger lookups are not allowed"):
            await resolve_handle(client, f"@alice@{host}", "http")
    async with SafeClient(allow_private=False, allow_http=True) as client:
        with pytest.raises(WebfingerError, match="not a public address"):
            await resolve_handle(client, f"@alice@{host}", "http")
    assert wf_server["requests"] == []


async def test_bovine_resolves_our_jrd(wf_server):
    host = wf_server["host"]
    async with ClientSession() as session:
        actor, _ = await lookup_uri_with_webfinger(
            session, f"acct:alice@{host}", domain=f"http://{host}"
        )
    assert actor == f"http://{host}/actors/alice"


# ------------------------------------------------------------------ NodeInfo

_INBOUND = {"atom1.0", "gnusocial", "imap", "pnut", "pop3", "pumpio", "rss2.0", "twitter"}
_PROTOCOLS = {"activitypub", "buddycloud", "dfrn", "diaspora", "libertree", "ostatus", "pumpio"}
_PROTOCOLS |= {"tent", "xmpp", "zot"}


def assert_valid_nodeinfo(doc, version):
    """The constraints of jhass/nodeinfo schemas/2.{0,1}/schema.json, written out."""
    top = {"version", "software", "protocols", "services", "openRegistrations", "usage"}
    assert set(doc) == top | {"metadata"}  # all required, additionalProperties: false
    assert doc["version"] == version
    allowed_software = {"name", "version"} | (
        {"repository", "homepage"} if version == "2.1" else set()
    )
    assert {"name", "version"} <= set(doc["software"]) <= allowed_software
    assert re.fullmatch(r"[a-z0-9-]+", doc["software"]["name"])
    assert isinstance(doc["software"]["version"], str)
    assert doc["protocols"] and set(doc["protocols"]) <= _PROTOCOLS
    assert set(doc["services"]) == {"inbound", "outbound"}
    assert set(doc["services"]["inbound"]) <= _INBOUND
    assert isinstance(doc["openRegistrations"], bool)
    usage = doc["usage"]
    assert "users" in usage and set(usage) <= {"users", "localPosts", "localComments"}
    assert set(usage["users"]) <= {"total", "activeHalfyear", "activeMonth"}
    for value in [*usage["users"].values(), usage.get("localPosts", 0)]:
        assert isinstance(value, int) and value >= 0
    assert isinstance(doc["metadata"], dict)


@pytest.mark.parametrize("version", ["2.1", "2.0"])
def test_nodeinfo_document_is_schema_valid(version):
    doc = nodeinfo.nodeinfo_document(
        version, "0.1.0", 42, 7, 20, 311, True, "Rue Verte", "Prêter, donner, se retrouver.",
        repository="https://git.example/quartier", homepage="https://quartier.example",
    )  # fmt: skip
    assert_valid_nodeinfo(doc, version)
    assert doc["software"]["name"] == "quartier"
    assert doc["usage"] == {
        "users": {"total": 42, "activeMonth": 7, "activeHalfyear": 20},
        "localPosts": 311,
    }
    assert doc["metadata"]["nodeName"] == "Rue Verte"
    assert ("repository" in doc["software"]) == (version == "2.1")


def test_nodeinfo_omits_unknown_counts_but_keeps_users():
    doc = nodeinfo.nodeinfo_document("2.1", "0.1.0", None, None, None, None, False, "n", "d")
    assert_valid_nodeinfo(doc, "2.1")
    assert doc["usage"] == {"users": {}}
    assert doc["openRegistrations"] is False
    with pytest.raises(ValueError):
        nodeinfo.nodeinfo_document("2.2", "0.1.0", 1, 1, 1, 1, False, "n", "d")


def test_nodeinfo_links():
    links = nodeinfo.nodeinfo_links(f"https://{HOST}/", f"https://{HOST}/actor")["links"]
    assert links == [
        {
            "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
            "href": f"https://{HOST}/nodeinfo/2.1",
        },
        {
            "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
            "href": f"https://{HOST}/nodeinfo/2.0",
        },
        {
            "rel": "https://www.w3.org/ns/activitystreams#Application",
            "href": f"https://{HOST}/actor",
        },
    ]
    assert nodeinfo.content_type("2.1") == (
        'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"'
    )
