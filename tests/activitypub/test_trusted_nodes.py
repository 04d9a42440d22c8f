"""trusted_nodes.normalise_host: what an admin types becomes host[:port] as actor ids carry it."""

import pytest

from node.activitypub.trusted_nodes import normalise_host
from node.local.errors import Invalid


@pytest.mark.parametrize(
    "typed,host",
    [
        ("quartier.example", "quartier.example"),
        ("  Quartier.EXAMPLE.  ", "quartier.example"),
        ("https://Quartier.Example:8443/", "quartier.example:8443"),
        ("HTTP://a.example", "a.example"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("１２７.0.0.1:08080", "127.0.0.1:8080"),
        ("[0:0::1]:8443", "[::1]:8443"),
    ],
)
def test_typed_hosts_are_normalised(typed, host):
    assert normalise_host(typed) == host


@pytest.mark.parametrize(
    "typed",
    [
        "",
        " ",
        "javascript:alert(1)",
        "data:text/html,x",
        "http://x/..",
        "https://a.example/path",
        "ftp://a.example",
        "a.example?x",
        "a.example#x",
        "user@a.example",
        "a\\b.example",
        "a b.example",
        "a\x00b.example",
        "a\u202eb.example",
        "a\u200bb.example",
        "\ud800.example",
        "a..b",
        "-a.example",
        "a_b.example",
        "a" * 64 + ".example",
        ("a" * 60 + ".") * 5 + "example",
        "x" * 301,
        "a.example:",
        "a.example:0",
        "a.example:65536",
        "a.example:８０",
        "a:b:c",
        "[::1",
        "[zz]:1",
        "[::1]x",
    ],
)
def test_junk_is_refused_at_the_host_field(typed):
    with pytest.raises(Invalid) as refused:
        normalise_host(typed)
    assert refused.value.fields["host"] == refused.value.message
