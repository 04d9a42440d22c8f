"""Who may read what: every viewer × every reach × every read path, through real HTTP.

One seeded world per viewer class: node A (quarters alpha and gamma), node B (quarter beta, twinned
with alpha through the real protocol) and a foreign server. The author in alpha publishes, for
each reach (quarter, twins, public, and a public item a moderator hid), a listing with a photo and
a comment, an event with a participant, and an announcement. Each cell says whether the viewer got
the item on that path; the whole table must equal the rule of node/local/reach.py.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import aiohttp
import pytest
import pytest_asyncio
from ap_support import AS, Peer, start_node
from helpers import (
    CSRF,
    make_quarter,
    make_resident,
    make_token,
    map_items,
    png_bytes,
    publish_with_photo,
)

from node.activitypub import actors
from node.commit import commit
from node.local import comments, twins
from node.local.events import drafts as event_drafts
from node.local.events import write as events
from node.local.events.models import Event
from node.local.listings.models import Listing, ListingPhoto
from node.local.models import Announcement, utcnow
from node.local.moderation import actions as moderation

REACHES = ("quarter", "twins", "public", "hidden")
Q, T, P, H = REACHES
ALL = {Q, T, P}

# what each viewer may read, by kind of path
DETAIL = {  # one item by id: page, API, ICS, photo, comment, participants, announcement
    "anonymous": {P},
    "unverified": {P},
    "resident": ALL,
    "other_quarter": {P},
    "moderator": ALL | {H},
    "other_moderator": {P},
    "admin": ALL | {H},
}
QUARTER_LISTS = {  # ?quarter=alpha: calendar, Atom, GeoJSON, feed API, home page (never hidden)
    "anonymous": {P},
    "unverified": {P},
    "resident": ALL,
    "other_quarter": {P},
    "moderator": ALL,
    "other_moderator": {P},
    "admin": ALL,
}
MY_LISTS = {  # the viewer's own lists (/listings, /events, API indexes): their quarter only
    "anonymous": {P},
    "unverified": {P},
    "resident": ALL,
    "other_quarter": set(),
    "moderator": ALL,
    "other_moderator": set(),
    "admin": set(),  # the admin lives in gamma: alpha's items are not in its lists
}
API_LISTS = MY_LISTS | {"anonymous": set()}  # the API's lists want a resident (401)
WRITERS = DETAIL | {"anonymous": set(), "unverified": set()}  # they must log in / be verified
MESSAGE = WRITERS  # "write to the author about this listing": the listing shown in the form
LOAN = {v: seen - {H} for v, seen in WRITERS.items()}  # asking to borrow (never a hidden one)
REPORT = DETAIL | {"anonymous": set()}  # reporting an item (residents, verified or not)
EDIT = REPORT  # someone else's listing: 403 when they may read it, 404 when they may not
AP = {P}  # ActivityPub documents for people and foreign servers: public only
TWIN = {T, P}  # what the twin quarter's node and residents get

PEOPLE_PATHS = {
    "listing page": DETAIL,
    "listing API": DETAIL,
    "event page": DETAIL,
    "event API": DETAIL,
    "event ICS": DETAIL,
    "participants": DETAIL,
    "photo": DETAIL,
    "comment": DETAIL,
    "announcement": DETAIL,
    "quarter calendar": QUARTER_LISTS,
    "Atom": QUARTER_LISTS,
    "GeoJSON": QUARTER_LISTS,
    "feed API": QUARTER_LISTS,
    "home page": QUARTER_LISTS,
    "listings page": MY_LISTS,
    "events page": MY_LISTS,
    "listings API": API_LISTS,
    "events API": API_LISTS,
    "AP listing": None,
    "AP event": None,
    "AP outbox": None,
    "message form": MESSAGE,
    "loan request": LOAN,
    "report": REPORT,
    "edit refusal": EDIT,
}
TWIN_PATHS = ("listing page", "listing API", "event page", "event API", "feed API", "photo")
TWIN_PATHS += ("AP listing", "AP event", "AP outbox")
REMOTE_PATHS = ("AP listing", "AP event", "AP outbox", "photo", "comment")
VIEWERS = [*DETAIL, "twin", "remote"]

PASSWORD = "correct horse"
pytestmark = pytest.mark.asyncio(loop_scope="module")  # the world's servers live in that loop


def expected(viewer: str, path: str) -> set[str]:
    if viewer == "twin":
        return TWIN
    if viewer == "remote":
        return AP
    table = PEOPLE_PATHS[path]
    return AP if table is None else table[viewer]


async def _settle(*nodes, rounds: int = 10) -> None:
    for _ in range(rounds):
        if not sum([await n.drain() for n in nodes]):
            return


async def _seed_items(node, author, moderator, participant, alpha_id) -> dict[str, dict]:
    """For each reach: a listing (photo, comment), an event (participant), an announcement."""
    made: dict[str, dict] = {}
    start = utcnow() + dt.timedelta(days=5)
    for reach in REACHES:
        shown = "public" if reach == H else reach
        tag = reach.upper()
        fields = {"kind": "offer", "type": "loan", "title": f"Lst{tag}", "reach": shown}
        fields["description"] = "A ladder."
        listing_id = await publish_with_photo(node, author.username, fields, png_bytes((40, 30)))
        listing = await node.db.run(Listing.get_by_id, listing_id)
        photo = await node.db.run(lambda i=listing.id: ListingPhoto.get(ListingPhoto.listing == i))
        comment = await commit(node, comments.post, author.id, "listing", listing.id, f"Cmt{tag}")
        body = {
            "title": f"Evt{tag}",
            "description": "Bring a dish",
            "start": start.strftime("%Y-%m-%dT18:00"),
            "end": start.strftime("%Y-%m-%dT23:00"),
            "timezone": "Europe/Paris",
            "place": "Rue des Lilas",
            "lat": "48.1",
            "lon": "-1.6",
            "reach": shown,
        }
        event = await commit(
            node, events.schedule, author.id, event_drafts.EventDraft.parse(body, "quarter")
        )
        await commit(node, events.rsvp, participant.id, event.id, "going")

        def extra(listing_id=listing.id, reach=reach, shown=shown, tag=tag):
            Listing.update(lat=48.1, lon=-1.6).where(Listing.id == listing_id).execute()
            return Announcement.create(
                author=moderator.id, quarter=alpha_id, title=f"Ann{tag}", reach=shown
            )

        announcement = await node.db.atomic(extra)
        made[reach] = {
            "listing": listing.id,
            "event": event.id,
            "photo": photo.name,
            "comment": comment.id,
            "announcement": announcement.id,
            "tag": tag,
        }
    return made


async def _hide(node, moderator, ids) -> None:
    """The moderator hides the public items of the `hidden` row (after they federated)."""
    for kind in ("listing", "event", "announcement"):
        await commit(node, moderation.act, moderator.id, "hide", kind, ids[kind], "spam")


@pytest.fixture(scope="module")
def shared_settings(request, tmp_path_factory):
    """Settings for the module's nodes: one seeded world serves every viewer (fast)."""
    from conftest import PG_DSN, _pg_connect

    from node.settings import load_settings

    kind = request.config.getoption("--db")
    root = tmp_path_factory.mktemp("reach")
    schemas: list[str] = []

    def make(name: str, **overrides):
        data_dir = root / name
        data_dir.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{data_dir / 'quartier.db'}"
        if kind == "postgres":
            schema = f"t_{uuid.uuid4().hex[:12]}"
            with _pg_connect() as conn, conn.cursor() as cur:
                cur.execute(f"CREATE SCHEMA {schema}")
            schemas.append(schema)
            url = f"{PG_DSN}?schema={schema}&max_connections=8"
        values = {
            "data_dir": str(data_dir),
            "database_url": url,
            "secret_key": f"test-secret-{name}",
            "run_workers": False,
            "tile_url": "",
            "default_language": "en",
        }
        return load_settings({}, None, **(values | overrides))

    yield make
    if schemas:
        conn = _pg_connect()
        with conn.cursor() as cur:
            for schema in schemas:
                cur.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(shared_settings):
    """Node A (alpha, gamma), node B (beta, twinned with alpha) and a foreign server, seeded."""
    make_settings = shared_settings
    a, runner_a = await start_node(make_settings, "a")
    b, runner_b = await start_node(make_settings, "b")
    peer = await Peer().start()
    try:
        alpha = await make_quarter(a, "alpha", "Alpha", postcodes=("35400",))
        gamma = await make_quarter(a, "gamma", "Gamma", postcodes=("35700",))
        beta = await make_quarter(b, "beta", "Beta", postcodes=("52066",))
        people = {
            "author": await make_resident(a, "author", quarter="alpha"),
            "resident": await make_resident(a, "resa", quarter="alpha"),
            "unverified": await make_resident(a, "unver", quarter="alpha", verified=False),
            "other_quarter": await make_resident(a, "resc", quarter="gamma"),
            "moderator": await make_resident(a, "moda", quarter="alpha", role="moderator"),
            "other_moderator": await make_resident(a, "modc", quarter="gamma", role="moderator"),
            "admin": await make_resident(a, "root", quarter="gamma", role="admin"),
        }
        mod_b = await make_resident(b, "modb", quarter="beta", role="moderator")
        res_b = await make_resident(b, "resb", quarter="beta")
        # twinning through the protocol: alpha asks, beta's moderator accepts
        async with aiohttp.ClientSession() as session:
            ask = {"quarter": "alpha", "handle": f"@beta@{b.urls.host}"}
            token = await make_token(a, people["moderator"].id)
            async with session.post(
                a.urls.base + "/api/v1/twins",
                json=ask,
                headers={"Authorization": f"Bearer {token}"},
            ) as resp:
                assert resp.status == 201, await resp.text()
            await _settle(a, b)
            asked = await b.db.run(lambda: twins.Twin.get(twins.Twin.direction == "incoming"))
            token = await make_token(b, mod_b.id)
            async with session.post(
                f"{b.urls.base}/api/v1/twins/{asked.id}/accept",
                headers={"Authorization": f"Bearer {token}"},
            ) as resp:
                assert resp.status == 200, await resp.text()
        await _settle(a, b)
        assert await a.db.run(lambda: twins.Twin.get().state) == "accepted"
        items = await _seed_items(
            a, people["author"], people["moderator"], people["resident"], alpha.id
        )
        await _settle(a, b)  # deliveries, then B's background fetch of the photos (signed)
        await _hide(a, people["moderator"], items[H])
        await _settle(a, b)
        yield {
            "a": a,
            "b": b,
            "peer": peer,
            "people": people,
            "res_b": res_b,
            "b_token": await make_token(b, res_b.id),
            "tokens": {v: await make_token(a, p.id) for v, p in people.items()},
            "items": items,
            "quarters": (alpha, gamma, beta),
        }
    finally:
        await peer.stop()
        await runner_a.cleanup()
        await runner_b.cleanup()


async def _session(node, username: str | None) -> aiohttp.ClientSession:
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    if username is None:
        return session
    async with session.get(node.urls.base + "/login") as resp:
        token = CSRF.search(await resp.text()).group(1)
    form = {"login": username, "password": PASSWORD, "csrf_token": token}
    async with session.post(node.urls.base + "/login", data=form, allow_redirects=False) as resp:
        assert resp.status == 303, username
    return session


def _outbox(node) -> str:
    return node.urls.outbox("author") + "?page=1"


def _outbox_items(text: str) -> set[str]:
    """The objects of the author's outbox page (ActivityPub collection)."""
    return {item["object"] for item in json.loads(text).get("orderedItems", [])}


async def _get(session, url, **kw) -> tuple[int, str]:
    async with session.get(url, allow_redirects=False, **kw) as resp:
        return resp.status, await resp.text(errors="replace")


def _odd_statuses(found: list[str]):
    """Record answers other than "here it is" / "no such thing" (a 5xx is never a refusal)."""

    def odd(expected: bool, path: str, reach: str, status: int) -> None:
        if not expected:
            found.append(f"{path}/{reach or '-'}: {status}")

    return odd


async def _person_cells(w, viewer: str, odd) -> dict[tuple[str, str], bool]:
    """What a person (a visitor or a resident of node A) gets on every path, per reach."""
    a = w["a"]
    base = a.urls.base
    username = None if viewer == "anonymous" else w["people"][viewer].username
    session = await _session(a, username)
    cells: dict[tuple[str, str], bool] = {}
    try:
        lists = {}
        for name, url in {
            "quarter calendar": "/calendar.ics?quarter=alpha",
            "Atom": "/feed.atom?quarter=alpha",
            "GeoJSON": "/map.geojson?quarter=alpha",
            "feed API": "/api/v1/feed?quarter=alpha&limit=100",
            "home page": "/?quarter=alpha",
            "listings page": "/listings",
            "events page": "/events",
            "listings API": "/api/v1/listings?limit=100",
            "events API": "/api/v1/events?limit=100",
        }.items():
            status, text = await _get(session, base + url)
            odd(status in (200, 401), name, "", status)  # 401: the API wants a resident
            lists[name] = text if status == 200 else ""
        status, text = await _get(session, _outbox(a), headers={"Accept": AS})
        odd(status == 200, "AP outbox", "", status)
        outbox = _outbox_items(text) if status == 200 else set()
        for reach, item in w["items"].items():
            tag = item["tag"]
            for name, text in lists.items():
                if name == "GeoJSON":
                    ids = {
                        (i["type"], i.get("id"))
                        for i in (map_items(json.loads(text)) if text else [])
                    }
                    cells[name, reach] = ("listing", item["listing"]) in ids and (
                        "event",
                        item["event"],
                    ) in ids
                elif name.startswith("event") or name == "quarter calendar":
                    cells[name, reach] = f"Evt{tag}" in text
                elif name.startswith("listing"):
                    cells[name, reach] = f"Lst{tag}" in text
                else:  # feeds hold all three kinds
                    cells[name, reach] = all(f"{k}{tag}" in text for k in ("Lst", "Evt", "Ann"))
            details = {
                "listing page": (f"/listings/{item['listing']}", f"Lst{tag}"),
                "listing API": (f"/api/v1/listings/{item['listing']}", f"Lst{tag}"),
                "event page": (f"/events/{item['event']}", f"Evt{tag}"),
                "event API": (f"/api/v1/events/{item['event']}", f"Evt{tag}"),
                "event ICS": (f"/events/{item['event']}.ics", f"Evt{tag}"),
                "announcement": (f"/announcements/{item['announcement']}", f"Ann{tag}"),
            }
            for name, (path, title) in details.items():
                status, text = await _get(session, base + path)
                odd(status in (200, 404), name, reach, status)
                cells[name, reach] = status == 200 and title in text
            status, text = await _get(session, f"{base}/api/v1/events/{item['event']}")
            people = json.loads(text).get("participants", []) if status == 200 else []
            cells["participants", reach] = any(p["username"] == "resa" for p in people)
            status, _text = await _get(session, f"{base}/media/listings/{item['photo']}")
            odd(status in (200, 404), "photo", reach, status)
            cells["photo", reach] = status == 200
            status, _text = await _get(session, f"{base}/comments/{item['comment']}")
            odd(status in (303, 404), "comment", reach, status)
            cells["comment", reach] = status == 303
            for name, path in (
                ("AP listing", f"/listings/{item['listing']}"),
                ("AP event", f"/events/{item['event']}"),
            ):
                status, _text = await _get(session, base + path, headers={"Accept": AS})
                odd(status in (200, 404), name, reach, status)
                cells[name, reach] = status == 200
            cells["AP outbox", reach] = a.urls.listing(item["listing"]) in outbox
            status, text = await _get(session, f"{base}/messages/new?listing={item['listing']}")
            odd(status in (200, 303, 403), "message form", reach, status)
            cells["message form", reach] = status == 200 and f"Lst{tag}" in text
            token = w["tokens"].get(viewer)
            async with session.post(
                f"{base}/api/v1/listings/{item['listing']}/loans",
                json={"from": str(dt.date.today() + dt.timedelta(days=2)),
                      "until": str(dt.date.today() + dt.timedelta(days=4))},
                headers={"Authorization": f"Bearer {token}"} if token else {},
            ) as resp:  # fmt: skip
                status = resp.status
            odd(status in (201, 401, 403, 404), "loan request", reach, status)
            cells["loan request", reach] = status == 201
            async with session.post(
                f"{base}/api/v1/reports",
                json={"target_type": "event", "target_id": item["event"], "reason": "Check"},
                headers={"Authorization": f"Bearer {token}"} if token else {},
            ) as resp:
                status = resp.status
            odd(status in (201, 401, 404), "report", reach, status)
            cells["report", reach] = status == 201
            async with session.patch(
                f"{base}/api/v1/listings/{item['listing']}",
                json={"title": "Mine now"},
                headers={"Authorization": f"Bearer {token}"} if token else {},
            ) as resp:
                status = resp.status
            odd(status in (401, 403, 404), "edit refusal", reach, status)
            cells["edit refusal", reach] = status == 403
    finally:
        await session.close()
    return cells


async def _twin_cells(w) -> dict[tuple[str, str], bool]:
    """The twin quarter's node: its signed fetches of A, and what its resident reads on B."""
    a, b = w["a"], w["b"]
    cells: dict[tuple[str, str], bool] = {}
    headers = {"Authorization": f"Bearer {w['b_token']}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        _status, feed = await _get(session, f"{b.urls.base}/api/v1/feed?quarter=beta&limit=100")
        page = await actors.fetch_document(b, _outbox(a))  # B's real signed fetch
        outbox = {item["object"] for item in page.get("orderedItems", [])}
        for reach, item in w["items"].items():
            tag = item["tag"]
            listing_url, event_url = a.urls.listing(item["listing"]), a.urls.event(item["event"])

            def copies(listing_url=listing_url, event_url=event_url):
                listing = Listing.get_or_none(Listing.external_ref == listing_url)
                event = Event.get_or_none(Event.external_ref == event_url)
                photo = (
                    ListingPhoto.get_or_none(ListingPhoto.listing == listing.id)
                    if listing
                    else None
                )
                return listing, event, photo

            listing, event, photo = await b.db.run(copies)
            for name, row, path, title in (
                ("listing page", listing, "/listings/{}", f"Lst{tag}"),
                ("listing API", listing, "/api/v1/listings/{}", f"Lst{tag}"),
                ("event page", event, "/events/{}", f"Evt{tag}"),
                ("event API", event, "/api/v1/events/{}", f"Evt{tag}"),
            ):
                if row is None:  # never reached B
                    cells[name, reach] = False
                    continue
                status, text = await _get(session, b.urls.base + path.format(row.id))
                cells[name, reach] = status == 200 and title in text
            cells["feed API", reach] = f"Lst{tag}" in feed and f"Evt{tag}" in feed
            got = False
            if photo is not None and photo.name:  # B fetched it from A with a signed GET
                status, _text = await _get(session, f"{b.urls.base}/media/listings/{photo.name}")
                got = status == 200
            cells["photo", reach] = got
            cells["AP outbox", reach] = listing_url in outbox
            for name, url in (("AP listing", listing_url), ("AP event", event_url)):
                try:
                    await actors.fetch_document(b, url)  # B's real signed fetch
                    cells[name, reach] = True
                except actors.FetchFailed:
                    cells[name, reach] = False
    return cells


async def _remote_cells(w, odd) -> dict[tuple[str, str], bool]:
    """A foreign server (no twin of ours) signing its GETs."""
    a, peer = w["a"], w["peer"]
    cells: dict[tuple[str, str], bool] = {}
    async with aiohttp.ClientSession() as session:
        url = _outbox(a)
        headers = {"Accept": AS, **peer.sign("bob", "GET", url, None)}
        status, text = await _get(session, url, headers=headers)
        odd(status == 200, "AP outbox", "", status)
        outbox = _outbox_items(text) if status == 200 else set()
        for reach, item in w["items"].items():
            cells["AP outbox", reach] = a.urls.listing(item["listing"]) in outbox
            for name, url in (
                ("AP listing", a.urls.listing(item["listing"])),
                ("AP event", a.urls.event(item["event"])),
                ("comment", f"{a.urls.base}/comments/{item['comment']}"),
                ("photo", f"{a.urls.base}/media/listings/{item['photo']}"),
            ):
                headers = {"Accept": AS, **peer.sign("bob", "GET", url, None)}
                status, _text = await _get(session, url, headers=headers)
                odd(status in (200, 303, 404), name, reach, status)
                cells[name, reach] = status == 200
    return cells


def _paths(viewer: str) -> tuple[str, ...]:
    if viewer == "twin":
        return TWIN_PATHS
    if viewer == "remote":
        return REMOTE_PATHS
    return tuple(PEOPLE_PATHS)


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_each_viewer_reads_exactly_what_its_reach_allows(world, viewer):
    odd_answers: list[str] = []
    odd = _odd_statuses(odd_answers)
    if viewer == "twin":
        cells = await _twin_cells(world)
    elif viewer == "remote":
        cells = await _remote_cells(world, odd)
    else:
        cells = await _person_cells(world, viewer, odd)
    leaks, refused = [], []
    for path in _paths(viewer):
        allowed = expected(viewer, path)
        for reach in REACHES:
            seen = cells[path, reach]
            if seen and reach not in allowed:
                leaks.append(f"{path}/{reach}")
            elif not seen and reach in allowed:
                refused.append(f"{path}/{reach}")
    size = len(_paths(viewer)) * len(REACHES)
    assert not leaks and not refused and not odd_answers, (
        f"{viewer}: {len(leaks)} of {size} cells leaked {leaks}; "
        f"{len(refused)} wrongly refused {refused}; odd answers {odd_answers}"
    )
