"""Untrusted JSON (inputs.parse_json): orjson's fast path decides exactly as the json path does."""

import json

import pytest

from node.local import inputs


@pytest.mark.parametrize(
    "raw, expected",
    [
        (b'{"id": 12345678901234567890123, "n": 7}', {"id": 12345678901234567890123, "n": 7}),
        (b'{"a": "x\\u0000y"}', {"a": "xy"}),  # control characters cleaned
        (b'{"a": "\\ud800z"}', {"a": "z"}),  # a lone surrogate cleaned, not refused
        ('{"a": "\u0085b\ufffe"}'.encode(), {"a": "b"}),  # raw C1 control and U+FFFE
        ('{"a": "caf\u00e9"}'.encode("utf-16"), {"a": "caf\u00e9"}),  # as json.loads reads it
        (b'{"a": 1.5, "b": [true, null]}', {"a": 1.5, "b": [True, None]}),
    ],
)
def test_accepted_bodies_read_as_json_reads_them(raw, expected):
    data, exact = inputs.parse_json(raw)
    assert data == expected and type(data.get("id", 0)) is int
    if exact:  # the inbox then stores the body itself: it must say exactly this
        assert json.loads(raw) == data


@pytest.mark.parametrize(
    "raw", [b"NaN", b"[1e400]", b'{"a": Infinity}', b"{", b"\xff\xfe\x00", b"[" * 100 + b"]" * 100]
)
def test_refused_bodies(raw):
    with pytest.raises(inputs.BadJson):
        inputs.parse_json(raw)


def test_a_plain_activity_is_read_exactly():
    raw = json.dumps({"type": "Like", "actor": "https://a.example/u/b", "n": [1, 2]}).encode()
    assert inputs.parse_json(raw) == (json.loads(raw), True)
