"""Tests for node.activitypub.vocab."""

import pytest

from node.activitypub.vocab import (
    ACTIVITY_JSON,
    LD_JSON,
    PUBLIC,
    as_list,
    first,
    get_id,
    is_activity_media_type,
    is_public,
    origin,
    same_origin,
    wants_activity_json,
)

FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


@pytest.mark.parametrize(
    "accept,expected",
    [
        ("application/activity+json, application/ld+json", True),  # Mastodon fetches
        (LD_JSON, True),
        ("application/ld+json", True),
        ('application/ld+json; profile="https://example.org/other"', False),
        ("application/activity+json;q=0.9, text/html;q=0.8", True),
        ("text/html, application/activity+json;q=0.5", False),
        (FIREFOX, False),
        ("*/*", False),
        ("application/json", False),
        ("", False),
        (None, False),
        ("application/activity+json;q=0", False),
    ],
)
def test_wants_activity_json(accept, expected):
    assert wants_activity_json(accept) is expected


@pytest.mark.parametrize(
    "content_type,expected",
    [
        (ACTIVITY_JSON, True),
        ("application/activity+json; charset=utf-8", True),
        ("Application/Activity+JSON", True),
        ('application/ld+json;profile="https://www.w3.org/ns/activitystreams"', True),
        ("application/ld+json", True),
        ('application/ld+json; profile="https://w3id.org/other"', False),
        ("application/json", False),
        ("text/html", False),
        (None, False),
    ],
)
def test_is_activity_media_type(content_type, expected):
    assert is_activity_media_type(content_type) is expected


def test_list_and_id_helpers():
    assert as_list(None) == []
    assert as_list("a") == ["a"]
    assert as_list(["a", "b"]) == ["a", "b"]
    assert as_list({"id": "x"}) == [{"id": "x"}]
    assert get_id("https://a.example/1") == "https://a.example/1"
    assert get_id({"id": "https://a.example/2", "type": "Note"}) == "https://a.example/2"
    assert get_id({"type": "Note"}) is None
    assert get_id({"id": 3}) is None
    assert get_id(None) is None
    assert first(["x", "y"]) == "x"
    assert first("x") == "x"
    assert first([]) is None


@pytest.mark.parametrize(
    "addresses,expected",
    [
        (PUBLIC, True),
        (["https://q.example/actors/a/followers", "as:Public"], True),
        ("Public", True),
        ([{"id": PUBLIC, "type": "Collection"}], True),
        (["https://q.example/actors/a/followers"], False),
        ("https://www.w3.org/ns/activitystreams#Publicity", False),
        (None, False),
    ],
)
def test_is_public(addresses, expected):
    assert is_public(addresses) is expected


def test_origin_normalises_per_rfc6454():
    assert origin("https://Q.Example./a?b#c") == ("https", "q.example", 443)
    assert origin("HTTP://q.example:80/") == ("http", "q.example", 80)
    assert origin("http://127.0.0.1:8080/x") == ("http", "127.0.0.1", 8080)
    assert origin("https://[::1]/") == ("https", "::1", 443)
    assert origin("https://bücher.example/") == ("https", "xn--bcher-kva.example", 443)
    for bad in ["/relative", "mailto:a@b.example", "https://"]:
        with pytest.raises(ValueError):
            origin(bad)


def test_same_origin():
    assert same_origin("https://q.example/actors/a", "https://Q.EXAMPLE:443/notes/1")
    assert same_origin("https://bücher.example/a", "https://xn--bcher-kva.example/b")
    assert not same_origin("https://q.example/a", "http://q.example/a")
    assert not same_origin("https://q.example/a", "https://q.example:8443/a")
    assert not same_origin("https://q.example/a", "https://evil.q.example/a")
    assert not same_origin("https://q.example/a", "https://q.example.evil/a")
    assert not same_origin("https://q.example/a", None)
    assert not same_origin("https://q.example/a", "not a url")


@pytest.mark.parametrize(
    ("url", "same"),
    [
        ("https://a.example/objects/1", True),
        ("https://a.example", True),
        ("https://a.example?x=1", True),
        ("https://a.example#frag", True),
        ("https://A.EXAMPLE/objects/1", True),  # case: origin() decides, not the prefix
        ("https://a.example:443/objects/1", True),  # default port
        ("https://a.example./objects/1", True),  # trailing dot
        ("https://a.example.evil/objects/1", False),
        ("https://a.example@evil.example/objects/1", False),
        ("https://a.example:8443/objects/1", False),
        ("http://a.example/objects/1", False),
        ("https://a.examplf/objects/1", False),
        ("https://a.example\t.evil/x", False),
        ("https://evil.example/https://a.example/", False),
        ("a.example/objects/1", False),
        ("", False),
    ],
)
def test_check_origins_same_origin_rule(url, same):
    """FEP-fe34 through inbox.check_origins: its shortcut for ids under the actor's own prefix
    agrees with the full origin comparison, and objects elsewhere are refused."""
    from node.activitypub.inbox import Rejected, check_origins

    actor = "https://a.example/users/bob"
    activity = {"id": url, "type": "Create", "actor": actor, "object": {"id": url}}
    if same:
        check_origins(activity)
    else:
        with pytest.raises(Rejected) as refused:
            check_origins(activity)
        assert refused.value.status == 403
    note = {"id": "https://a.example/n/1", "attributedTo": url or None}
    created = {"id": "https://a.example/c/1", "type": "Create", "actor": actor, "object": note}
    if same or not url:
        check_origins(created)
    else:
        with pytest.raises(Rejected, match="author"):
            check_origins(created)
