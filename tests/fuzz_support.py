"""Fuzzing support: a node served in its own event loop (so hypothesis drives it example by example),
hostile value strategies, and the tally of requests sent and 5xx answers received."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from urllib.parse import quote

from aiohttp.test_utils import TestClient, TestServer
from hypothesis import strategies as st

from node.app import create_app
from node.appkeys import node_key

# Strings every input should survive: encodings, controls, extremes, injections, odd dates.
BAD_STRINGS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\u202e\u0000\x1b[31m",
    "\ufeff\uffff",
    "é" * 300,
    "x" * 70_000,
    "9999-12-31T23:00",
    "9999-12-31T23:00:00+14:00",
    "0001-01-01T00:00:00-12:00",
    "0001-01-01",
    "10000-01-01",
    "2025-02-30",
    "-1",
    "0",
    str(10**23),
    str(2**63),
    str(2**31),
    "-" + str(2**63),
    "1e999",
    "NaN",
    "Infinity",
    "null",
    "[]",
    "{}",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%00",
    "@x@127.0.0.1:1",
    "javascript:alert(1)",
    "Pacific/Kiritimati",
    "Europe/../../etc/passwd",
    "\\",
    "'; DROP TABLE resident; --",
    "١٢٣",
]
HUGE_INTS = [10**30, -(10**30), 2**63, -(2**63) - 1, 2**31, -1, 0, 10**300]
BAD_NUMBERS = [10**30, -(2**63), 2**31, 1e308, -1e308, 5e-324, -0.0]
DATES = [
    "9999-12-31",
    "0001-01-01",
    "1899-12-31",
    "2999-12-31",
    "3000-01-01",
    "2030-02-29",
    "2030-13-01",
]
DATETIMES = [
    "9999-12-31T23:00",
    "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00",
    "0001-01-01T00:00:00-12:00",
    "1899-12-31T23:59",
    "2999-12-31T23:59",
    "2030-06-21T18:00",
    "2030-06-21T25:00",
]
ZONES = ["Pacific/Kiritimati", "Etc/GMT+12", "UTC", "Europe/Paris", "Nope/Zone", "", "/etc/passwd"]
RAW_BODIES = [
    b"[" * 20_000 + b"]" * 20_000,
    b'{"a":' * 20_000 + b"1" + b"}" * 20_000,
    b'{"title": "\\ud800"}',
    b'{"title": "\\udfff\\u0000"}',
    b'{"capacity": 1' + b"0" * 5000 + b"}",
    b'{"lat": 1e999, "lon": -1e999}',
    b'{"lat": NaN}',
    b"\xff\xfe\x00",
    b"not json",
    b"",
    b"null",
    b"[1, 2]",
    b'"string"',
]


def text(max_size: int = 40) -> st.SearchStrategy[str]:
    return st.one_of(st.text(max_size=max_size), st.sampled_from(BAD_STRINGS))


def url_text() -> st.SearchStrategy[str]:
    """Text that can travel in a URL (no lone surrogates, no 70 kB line)."""
    return st.one_of(
        st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
        st.sampled_from([s for s in BAD_STRINGS if len(s) < 2000 and "\ud800" not in s]),
    ).filter(lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s))


def numbers() -> st.SearchStrategy:
    return st.one_of(
        st.integers(min_value=-(10**40), max_value=10**40),
        st.sampled_from(HUGE_INTS + BAD_NUMBERS),
        st.floats(allow_nan=False, allow_infinity=False),
    )


def scalars() -> st.SearchStrategy:
    return st.one_of(st.none(), st.booleans(), numbers(), text())


def json_values() -> st.SearchStrategy:
    return st.recursive(
        scalars(),
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=8,
    )


def path_ids(valid: list[int]) -> st.SearchStrategy[str]:
    """A path segment where an id goes: real ids, huge, negative, non-numeric, encoded junk."""
    return st.one_of(
        st.sampled_from([str(i) for i in valid] or ["1"]),
        st.sampled_from([str(10**23), str(2**63), str(2**31), "-1", "0", "1e5", "0x10", "١٢"]),
        st.integers(min_value=-(2**80), max_value=2**80).map(str),
        url_text().map(lambda s: quote(s, safe="")),
        st.just("%ED%A0%80"),  # a surrogate, UTF-8 encoded: invalid UTF-8 in the path
    ).filter(lambda s: s not in ("", ".", ".."))


def for_schema(name: str, schema: dict) -> st.SearchStrategy:
    """A value for one JSON property: often well-typed (to pass validation), often hostile."""
    kind = schema.get("type")
    hostile = json_values()
    if "enum" in schema:
        typed = st.sampled_from(schema["enum"])
    elif name in ("start", "end") or "date-time" in schema.get("description", ""):
        typed = st.one_of(
            st.sampled_from(DATETIMES),
            st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)).map(
                lambda d: d.isoformat(timespec="minutes")
            ),
        )
    elif schema.get("format") == "date" or name in ("from", "until"):
        typed = st.one_of(
            st.sampled_from(DATES),
            st.dates(min_value=dt.date(1, 1, 1)).map(dt.date.isoformat),
        )
    elif name == "timezone":
        typed = st.sampled_from(ZONES)
    elif kind == "integer":
        typed = st.one_of(
            st.integers(min_value=-(10**40), max_value=10**40), st.sampled_from(HUGE_INTS)
        )
    elif kind == "number":
        typed = numbers()
    elif kind == "boolean":
        typed = st.booleans()
    else:
        typed = text()
    return st.one_of(typed, typed, hostile)


def json_bodies(schema: dict | None, base: dict | None = None) -> st.SearchStrategy[bytes]:
    """A request body: a valid `base` with a few fields made hostile (so it reaches the database
    and the pages), schema-shaped with hostile values, any JSON value, or raw bad bytes."""
    options = [json_values().map(lambda v: json.dumps(v).encode()), st.sampled_from(RAW_BODIES)]
    if schema and schema.get("properties"):
        props = schema["properties"]
        required = set(schema.get("required", []))
        shaped = st.fixed_dictionaries(
            {k: for_schema(k, v) for k, v in props.items() if k in required},
            optional={k: for_schema(k, v) for k, v in props.items() if k not in required},
        ).map(lambda d: json.dumps(d).encode())
        options = [shaped, shaped] + options
        if base is not None:
            one_field = st.sampled_from(sorted(props)).flatmap(
                lambda k: for_schema(k, props[k]).map(lambda v: {k: v})
            )
            based = st.lists(one_field, min_size=1, max_size=2).map(
                lambda changes: json.dumps(
                    {**base, **{k: v for c in changes for k, v in c.items()}}
                )
            )
            options = [based.map(str.encode)] * 4 + options
    return st.one_of(*options)


class Tally:
    """Hostile requests sent and 5xx answers received, for the report."""

    def __init__(self) -> None:
        self.requests = 0
        self.seconds = 0.0
        self.statuses: dict[int, int] = {}
        self.failures: list[str] = []

    def count(self, status: int, what: str) -> None:
        self.requests += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status >= 500:
            self.failures.append(f"{status} {what}"[:300])

    def summary(self, name: str) -> str:
        return (
            f"FUZZ {name}: {self.requests} hostile requests, {len(self.failures)} answers of 5xx"
            f" ({self.seconds:.1f} s answering; statuses {dict(sorted(self.statuses.items()))})"
        )


class Harness:
    """One node behind aiohttp test clients, run in a private event loop from sync code."""

    def __init__(self, settings, port: int | None = None) -> None:
        self.loop = asyncio.new_event_loop()
        self.app = create_app(settings)
        self.node = self.app[node_key]
        self.server = TestServer(self.app, host="127.0.0.1", **({"port": port} if port else {}))
        self.clients: list[TestClient] = []
        self.cleanups: list = []  # coroutine functions run before the clients close
        self.anon = self.client()
        self.tally = Tally()

    async def _client(self) -> TestClient:
        client = TestClient(self.server)
        await client.start_server()
        return client

    def client(self) -> TestClient:
        self.clients.append(self.run(self._client()))
        return self.clients[-1]

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    def send(self, client: TestClient, method: str, path: str, what: str = "", **kw) -> int:
        async def go() -> int:
            from yarl import URL

            url = URL(str(client.make_url("/")).rstrip("/") + path, encoded=True)
            async with client.session.request(method, url, allow_redirects=False, **kw) as r:
                await r.read()
                return r.status

        import time

        started = time.perf_counter()
        status = self.run(go())
        self.tally.seconds += time.perf_counter() - started
        self.tally.count(status, f"{method} {path[:150]} {what}")
        return status

    def close(self) -> None:
        if self.loop.is_closed():
            return
        for cleanup in self.cleanups:
            self.run(cleanup())
        for client in reversed(self.clients):  # the first one owns the server
            self.run(client.close())
        self.loop.close()
