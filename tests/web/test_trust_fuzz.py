"""Property-based attack of the whole surface: every operation of /api/v1/openapi.json (bearer and
anonymous), every GET page, every form POST and the inbox (signed and unsigned) get generated hostile
input; none may answer 5xx. Derandomized and bounded (about 2,000 requests per database)."""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import quote

import aiohttp
import pytest
from aiohttp.test_utils import unused_port
from ap_support import AS, Peer
from factories import event_body
from fuzz_support import (
    DATETIMES,
    RAW_BODIES,
    ZONES,
    Harness,
    json_bodies,
    json_values,
    path_ids,
    text,
    url_text,
)
from helpers import make_quarter, make_resident, make_token
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from node.activitypub.dispatch import HANDLERS
from node.activitypub.models import InboxItem
from node.local.events.models import Event
from node.local.listings.models import Listing
from node.local.loans.models import Loan

FUZZ = settings(
    deadline=None,
    derandomize=True,  # the same examples on every run and every machine
    database=None,
    suppress_health_check=list(HealthCheck),
)
PARAM = re.compile(r"\{(\w+)(?::[^{}]*(?:\{[^{}]*\}[^{}]*)*)?\}")
QUERY_NAMES = [
    "before",
    "limit",
    "quarter",
    "q",
    "kind",
    "type",
    "category",
    "page",
    "lang",
    "next",
    "scope",
    "role",
    "bbox",
    "resource",
    "listing",
    "loan",
    "state",
    "near",
    "radius",
]
FORM_NAMES = [
    "title",
    "description",
    "kind",
    "type",
    "category",
    "reach",
    "start",
    "end",
    "timezone",
    "capacity",
    "lat",
    "lon",
    "target_id",
    "target_type",
    "reason",
    "action",
    "days",
    "report",
    "rsvp",
    "decision",
    "organisation",
    "resident",
    "text",
    "body",
    "name",
    "slug",
    "postcodes",
    "listing",
    "loan",
    "from",
    "until",
    "message",
    "language",
    "languages",
    "id",
    "quarter",
    "role",
    "address",
    "postcode",
    "city",
    "alt",
    "photo_alts",
    "status",
    "handle",
    "price",
    "shelf",
    "next",
]
FILE_NAMES = ["avatar", "boundary", "photos", "document", "proof", "file", "photo"]
# Form posts that end the fuzzing resident's own session or account; their own tests cover them.
SELF_ENDING = ("/logout", "/settings/delete", "/settings/password", "/settings/sessions/end")


@pytest.fixture
def harness(make_settings):
    """Harness(name, port, **settings): closed after the test, whatever happened."""
    made: list[Harness] = []

    def make(name: str, port: int | None = None, **overrides) -> Harness:
        made.append(Harness(make_settings(name, **overrides), port))
        return made[-1]

    yield make
    for h in made:
        h.close()


def _finish(h: Harness, name: str, capsys) -> None:
    with capsys.disabled():
        print(f"\n{h.tally.summary(name)}")
    assert h.tally.failures == [], "\n".join(h.tally.failures[:20])


def _seed(h: Harness) -> dict:
    """A quarter, residents with tokens and sessions, and one of each thing the API points at."""
    node = h.node

    async def seed():
        await make_quarter(node)
        alice = await make_resident(node, "alice")
        bob = await make_resident(node, "bob")
        await make_resident(node, "alma", role="admin")
        return {
            "alice": await make_token(node, alice.id),
            "bob": await make_token(node, bob.id),
        }

    tokens = h.run(seed())
    ids: dict[str, list[int]] = {}

    def post(token, path, body):
        async def go():
            r = await h.anon.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
            assert r.status in (200, 201), (path, r.status, await r.text())
            return await r.json()

        return h.run(go())

    gift = {
        "kind": "offer",
        "type": "loan",
        "title": "Drill",
        "description": "Good",
        "reach": "public",
    }
    listing = post(tokens["bob"], "/api/v1/listings", gift)
    start = dt.date.today() + dt.timedelta(days=3)
    loan = post(
        tokens["alice"],
        f"/api/v1/listings/{listing['id']}/loans",
        {"from": start.isoformat(), "until": (start + dt.timedelta(days=2)).isoformat()},
    )
    event = post(tokens["alice"], "/api/v1/events", event_body(reach="public"))
    message = post(tokens["alice"], "/api/v1/messages", {"to": "bob", "text": "Hello"})
    ids["id"] = [listing["id"], loan["id"], event["id"], message.get("conversation", 1)]
    later = start + dt.timedelta(days=10)
    bases = {  # a valid body per write operation; the fuzzer makes one or two fields hostile
        ("POST", "/api/v1/listings"): gift,
        ("PATCH", "/api/v1/listings/{id}"): {"title": "Drill, nearly new"},
        ("POST", "/api/v1/listings/{id}/loans"): {
            "from": later.isoformat(),
            "until": (later + dt.timedelta(days=1)).isoformat(),
            "message": "May I?",
        },
        ("POST", "/api/v1/loans/{id}/extend"): {"until": later.isoformat(), "message": "More?"},
        ("POST", "/api/v1/loans/{id}/thank"): {"message": "Thanks"},
        ("POST", "/api/v1/events"): event_body(reach="public"),
        ("POST", "/api/v1/events/{id}/rsvp"): {"status": "going"},
        ("POST", "/api/v1/messages"): {"to": "bob", "text": "Hello again"},
        ("POST", "/api/v1/reports"): {
            "target_type": "listing",
            "target_id": listing["id"],
            "reason": "spam",
        },
        ("POST", "/api/v1/blocks"): {"username": "bob", "blocked": False},
        ("POST", "/api/v1/twins"): {"quarter": "centre", "handle": "@nord@127.0.0.1:1"},
        ("POST", "/api/v1/resolve"): {"uri": "@bob@127.0.0.1:1"},
        ("PUT", "/api/v1/me/languages"): {"languages": "fr,de"},
    }
    return {"tokens": tokens, "ids": ids, "bases": bases}


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def _logged_in(h: Harness, username: str):
    """A client with a resident's session; client.csrf is the token its forms carry."""
    client = h.client()

    async def login():
        page = await client.get("/login")
        token = CSRF_FIELD.search(await page.text()).group(1)
        r = await client.post(
            "/login",
            data={"login": username, "password": "correct horse", "csrf_token": token},
            allow_redirects=False,
        )
        assert r.status == 303
        page = await client.get("/settings")  # the token is bound to the new session
        return CSRF_FIELD.search(await page.text()).group(1)

    client.csrf = h.run(login())
    return client


def _operations(h: Harness) -> list[tuple[str, str, dict]]:
    async def doc():
        r = await h.anon.get("/api/v1/openapi.json")
        return await r.json()

    paths = h.run(doc())["paths"]
    return [
        (method.upper(), path, op)
        for path, ops in sorted(paths.items())
        for method, op in sorted(ops.items())
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def _query(names: list[str]) -> st.SearchStrategy[str]:
    values = st.fixed_dictionaries({}, optional={n: url_text() for n in names})
    return values.map(
        lambda d: (
            ("?" + "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in d.items())) if d else ""
        )
    )


OTHER_PARAM = st.one_of(
    st.sampled_from(["alice", "centre", "done", "accept", "2.0", "x.png", "abc"]),
    url_text().map(lambda s: quote(s, safe="")),
).filter(lambda s: s not in ("", ".", ".."))


def _urls(path: str, ids: st.SearchStrategy[str], query_names: list[str]) -> st.SearchStrategy:
    """The route's path with every parameter filled (ids from `ids`), plus a hostile query."""
    params = [ids if n in {"id", "rid", "photo"} else OTHER_PARAM for n in PARAM.findall(path)]

    def build(values: tuple) -> str:
        filled = iter(values[:-1])
        return PARAM.sub(lambda m: next(filled), path) + values[-1]

    return st.tuples(*params, _query(query_names)).map(build)


def _drive(strategy: st.SearchStrategy, examples: int, act) -> None:
    """Run `act` on `examples` derandomized examples of `strategy`."""

    @settings(FUZZ, max_examples=examples)
    @given(strategy)
    def attack(value):
        act(value)

    attack()


def test_every_openapi_operation_survives_hostile_input(harness, capsys):
    h = harness("api")
    world = _seed(h)
    ids = path_ids(world["ids"]["id"])
    auths = st.sampled_from(
        [{}, *({"Authorization": f"Bearer {t}"} for t in world["tokens"].values())]
    )
    operations = _operations(h)
    assert len(operations) >= 35

    for method, path, op in operations:
        names = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
        schema = (
            op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        )
        has_body = "requestBody" in op

        types = st.sampled_from(["application/json"] * 4 + ["text/plain", "text/html"])
        base = world["bases"].get((method, path))
        bodies = (
            st.tuples(types, json_bodies(schema, base)) if has_body or method != "GET" else None
        )
        request = st.tuples(_urls(path, ids, names), auths, st.none() if bodies is None else bodies)

        def send(value, method=method):
            url, headers, body = value
            kw = {"headers": dict(headers)}
            if body is not None:
                kw["headers"]["Content-Type"], kw["data"] = body
            h.send(h.anon, method, url, **kw)

        _drive(request, 8 if base is None else 24, send)
        # The known-bad list, deterministic: every raw body, as the resident and anonymously.
        for raw in RAW_BODIES if has_body else []:
            for headers in ({}, {"Authorization": f"Bearer {world['tokens']['alice']}"}):
                url = PARAM.sub(str(world["ids"]["id"][0]), path)
                headers = {**headers, "Content-Type": "application/json"}
                h.send(h.anon, method, url, "known-bad body", headers=headers, data=raw)
        if "{id}" in path:
            for bad in (str(10**23), str(2**63), str(2**31), "-1", "%ED%A0%80", "1%00"):
                headers = {"Authorization": f"Bearer {world['tokens']['alice']}"}
                h.send(h.anon, method, path.replace("{id}", bad), headers=headers, json={})
    _render_everything(h, [h.anon, _logged_in(h, "alice"), _logged_in(h, "bob")])
    assert h.tally.statuses.get(201, 0) > 0, h.tally.statuses  # hostile input was also stored
    _finish(h, "openapi operations", capsys)


def _render_everything(h: Harness, clients: list) -> None:
    """What the fuzzing stored (titles, dates, places) renders for everyone, on every list and page."""

    def stored():
        return (
            [f"/listings/{i.id}" for i in Listing.select(Listing.id)]
            + [f"/events/{e.id}" for e in Event.select(Event.id)]
            + [f"/events/{e.id}.ics" for e in Event.select(Event.id)]
            + [f"/api/v1/events/{e.id}" for e in Event.select(Event.id)]
            + [f"/loans/{loan.id}" for loan in Loan.select(Loan.id)]
        )

    pages = [
        "/",
        "/listings",
        "/events",
        "/calendar.ics?quarter=centre",
        "/messages",
        "/notifications",
        "/map",
        "/loans",
        "/api/v1/feed?quarter=centre",
        "/api/v1/listings",
        "/api/v1/events",
        "/api/v1/loans",
        "/api/v1/conversations",
    ]
    for path in pages + h.run(h.node.db.run(stored)):
        for client in clients:
            h.send(client, "GET", path, "rendering what was stored")


def _router_routes(h: Harness, method: str) -> list[str]:
    found = []
    for route in h.app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        if route.method != method or "prefix" in info:  # static files
            continue
        found.append(route.resource.canonical)
    return sorted(set(found))


def test_every_get_page_survives_hostile_path_and_query(harness, capsys):
    h = harness("pages")
    world = _seed(h)
    alice = _logged_in(h, "alice")
    alma = _logged_in(h, "alma")
    ids = path_ids(world["ids"]["id"])
    routes = _router_routes(h, "GET")
    assert len(routes) >= 70
    clients = st.sampled_from([h.anon, alice, alma])
    accepts = st.sampled_from(["text/html", AS, "*/*", "text/*;q=abc, application/ld+json"])

    for path in routes:
        request = st.tuples(_urls(path, ids, QUERY_NAMES), clients, accepts)

        def send(value):
            url, client, accept = value
            h.send(client, "GET", url, headers={"Accept": accept})

        _drive(request, 4, send)
        for bad in (str(10**23), "-1", "%ED%A0%80", "%00", "x" * 3000):
            url = PARAM.sub(bad, path) + f"?before={bad}&page={bad}&quarter={bad}&q={bad}"
            h.send(alice, "GET", url, "known-bad")
    _finish(h, "GET pages", capsys)


def test_every_form_post_survives_hostile_fields(harness, capsys):
    h = harness("forms")
    world = _seed(h)
    alice = _logged_in(h, "alice")
    alma = _logged_in(h, "alma")
    ids = path_ids(world["ids"]["id"])
    routes = [
        p
        for p in _router_routes(h, "POST")
        if not p.startswith(("/api/", "/inbox", "/actor/inbox", "/@")) and p not in SELF_ENDING
    ]
    assert len(routes) >= 40
    fields = st.dictionaries(
        st.sampled_from(FORM_NAMES),
        st.one_of(
            text().filter(lambda s: len(s) < 5000),
            st.sampled_from(DATETIMES + ZONES + [str(10**23), "-1", "on"]),
        ),
        max_size=8,
    )

    clients = st.sampled_from([alice, alma])

    # Multipart forms carry file inputs; a browser sends an input left empty as filename="".
    files = st.one_of(
        st.none(),
        st.tuples(
            st.sampled_from(FILE_NAMES),
            st.sampled_from([b"", b"\x89PNG\r\n\x1a\n", b"[" * 5000, b"%PDF-1.4\n"]),
            st.sampled_from(["", "x.png", "../../x.pdf", "\u00e9\u202e.jpg"]),
        ),
    )

    def send(value):
        url, client, form, upload = value
        headers = {"X-CSRF-Token": client.csrf}
        if upload is None:
            # urlencoded by hand: lone surrogates travel as the bytes a broken client would send
            data = "&".join(
                f"{quote(k)}={quote(v.encode('utf-8', 'surrogatepass'), safe='')}"
                for k, v in form.items()
            ).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            data = aiohttp.FormData()
            for k, v in form.items():  # (lone surrogates travel in the urlencoded examples)
                data.add_field(k, v.encode("utf-8", "replace").decode())
            field, content, filename = upload
            data.add_field(
                field, content, filename=filename, content_type="application/octet-stream"
            )
        h.send(client, "POST", url, "multipart" if upload else "", headers=headers, data=data)

    for path in routes:
        _drive(st.tuples(_urls(path, ids, []), clients, fields, files), 5, send)
        # known-bad: every file input left empty, as a browser sends it
        send((PARAM.sub(str(world["ids"]["id"][0]), path), alma, {}, None))
        data = aiohttp.FormData()
        for name in FILE_NAMES:
            data.add_field(name, b"", filename="", content_type="application/octet-stream")
        url = PARAM.sub(str(world["ids"]["id"][0]), path)
        h.send(alma, "POST", url, "empty files", headers={"X-CSRF-Token": alma.csrf}, data=data)
    # the forms were read, not refused at the door: a CSRF change must not make this test empty
    assert h.tally.statuses.get(403, 0) < h.tally.requests / 3, h.tally.statuses
    _finish(h, "form posts", capsys)


# ------------------------------------------------------------------ the inbox

OBJECT_TYPES = [
    "Note",
    "Page",
    "Article",
    "Event",
    "Tombstone",
    "Agreement",
    "Person",
    "Group",
    "Offer",
    "Join",
    "Follow",
    "Create",
    "Question",
    "EconomicEvent",
    "Bogus",
]
ACTIVITY_TYPES = sorted({t for t, _ in HANDLERS} | {"Bogus", ""})
# Mostly (activity, object) pairs a handler takes, so examples reach the handlers' code.
HANDLED = sorted({(t, "Note" if o == "*" else o) for t, o in HANDLERS if not o.islower()})


def _activities(peer: Peer, node_base: str) -> st.SearchStrategy[dict]:
    actor = peer.uri("bob")
    counter = iter(range(10**9))

    def ident(kind: str) -> st.SearchStrategy[str]:
        return st.builds(lambda: f"{peer.base}/{kind}/{next(counter)}")

    places = st.one_of(
        json_values(),
        st.fixed_dictionaries(
            {"type": st.just("Place")},
            optional={
                "latitude": st.one_of(
                    st.floats(allow_nan=False, allow_infinity=False),
                    st.sampled_from([10**30, "48.1", None, 91]),
                ),
                "longitude": st.one_of(
                    st.floats(allow_nan=False, allow_infinity=False),
                    st.sampled_from([10**30, "-1.6", None, -181]),
                ),
                "name": text(),
            },
        ),
    )
    times = st.one_of(
        st.sampled_from([d + "Z" for d in DATETIMES] + DATETIMES), text(), json_values()
    )

    def valid(kind: str) -> dict:
        """What a well-behaved peer sends for `kind`; hostile fields are laid over it."""
        return {
            "type": kind,
            "attributedTo": actor,
            "name": "Street party",
            "content": "<p>Hello</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public", f"{node_base}/@alice"],
            "startTime": "2030-06-21T18:00:00+02:00",
            "endTime": "2030-06-21T23:00:00+02:00",
            "published": "2030-06-01T10:00:00Z",
        }

    def objects(kind: str) -> st.SearchStrategy[dict]:
        return st.tuples(st.just(valid(kind)), overrides(kind)).map(lambda t: {**t[0], **t[1]})

    def overrides(kind: str) -> st.SearchStrategy[dict]:
        return st.fixed_dictionaries(
            {
                "id": ident("objects"),
                "type": st.one_of(st.just(kind), st.just(kind), st.sampled_from(OBJECT_TYPES)),
            },
            optional={
                "attributedTo": st.one_of(st.sampled_from([actor, f"{node_base}/@alice"]), text()),
                "name": text(),
                "content": text(200),
                "summary": text(),
                "startTime": times,
                "endTime": times,
                "published": times,
                "updated": times,
                "timezone": st.sampled_from(ZONES),
                "location": places,
                "maximumAttendeeCapacity": st.one_of(
                    st.sampled_from([10**30, -1, 2**63]), json_values()
                ),
                "to": st.sampled_from(
                    [
                        ["https://www.w3.org/ns/activitystreams#Public"],
                        [f"{node_base}/@alice"],
                        "bogus",
                        None,
                    ]
                ),
                "inReplyTo": st.one_of(
                    st.sampled_from(
                        [f"{node_base}/listings/{10**23}", f"{node_base}/events/1", "x"]
                    ),
                    json_values(),
                ),
                "url": st.sampled_from(["javascript:alert(1)", "http://x/\x00", f"{peer.base}/p"]),
                "tag": json_values(),
                "attachment": json_values(),
                "object": st.sampled_from([f"{node_base}/listings/1", f"{node_base}/@alice", "x"]),
                "actor": st.sampled_from([actor, f"{node_base}/@alice"]),
            },
        )

    def activity(pair: tuple[str, str]) -> st.SearchStrategy[dict]:
        return st.fixed_dictionaries(
            {
                "@context": st.just("https://www.w3.org/ns/activitystreams"),
                "id": ident("activities"),
                "type": st.one_of(st.just(pair[0]), st.sampled_from(ACTIVITY_TYPES)),
                "actor": st.just(actor),
                "object": st.one_of(
                    objects(pair[1]),
                    objects(pair[1]),
                    json_values(),
                    st.sampled_from(
                        [
                            f"{node_base}/@alice",
                            f"{node_base}/listings/{10**23}",
                            f"{node_base}/events/1",
                            f"{peer.base}/objects/x",
                        ]
                    ),
                ),
            },
            optional={
                "to": st.sampled_from(
                    [[f"{node_base}/@alice"], ["https://www.w3.org/ns/activitystreams#Public"]]
                ),
                "published": times,
                "target": json_values(),
                "result": json_values(),
            },
        )

    return st.sampled_from(HANDLED).flatmap(activity)


def test_the_inbox_survives_hostile_activities_signed_and_unsigned(harness, capsys):
    port = unused_port()
    base = f"http://127.0.0.1:{port}"
    h = harness("inbox", port, public_url=base, allow_private_addresses=True, allow_http=True)
    _seed(h)
    alice = _logged_in(h, "alice")
    peer = h.run(Peer().start())
    h.cleanups.append(peer.stop)
    activities = _activities(peer, base)

    def post(path: str, body: bytes, signed: bool, what: str) -> int:
        headers = peer.sign("bob", "POST", base + path, body) if signed else {"Content-Type": AS}
        return h.send(h.anon, "POST", path, what, headers=headers, data=body)

    def send(value):
        activity, path, signed = value
        body = json.dumps(activity).encode()
        post(path, body, signed, f"{activity['type']}/{type(activity['object']).__name__}")
        h.run(h.node.drain())

    paths = st.sampled_from(["/inbox", "/@alice/inbox", "/actor/inbox"])
    _drive(st.tuples(activities, paths, st.sampled_from([True, True, True, False])), 70, send)
    for raw in RAW_BODIES + [
        json.dumps({"type": "Create", "actor": peer.uri("bob"), "id": 1}).encode()
    ]:
        for signed in (True, False):
            post("/inbox", raw, signed, "known-bad body")
    _render_everything(h, [h.anon, alice])
    crashed = h.run(
        h.node.db.run(
            lambda: list(
                InboxItem.select().where(
                    InboxItem.error.startswith("Traceback") | InboxItem.error.contains("Error(")
                )
            )
        )
    )
    states = h.run(
        h.node.db.run(lambda: sorted((i.state, i.error[:60]) for i in InboxItem.select()))
    )
    with capsys.disabled():
        print(f"\ninbox items: {len(states)}; by state and reason:")
        for line in sorted({f"{s} {e}" for s, e in states}):
            print("  ", line)
        print(f"inbox items whose handler crashed (kept for retry): {len(crashed)}")
        for item in crashed[:10]:
            print("  ", item.error[:200])
    assert h.tally.statuses.get(202, 0) > 0, h.tally.statuses  # signed examples were accepted
    assert [i.error[:200] for i in crashed] == []  # no handler may crash on hostile input
    _finish(h, "inbox", capsys)
