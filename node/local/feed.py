"""The quarter's feed (announcements, open listings, upcoming events), its search and its map."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field, replace
from typing import Any

import peewee as pw

from node.i18n import _
from node.local import inputs, reach
from node.local.errors import Invalid
from node.local.events.models import Event
from node.local.listings import search
from node.local.listings.models import LISTING_KINDS, LISTING_TYPES, Listing
from node.local.listings.write import VISIBLE_STATES
from node.local.models import Announcement
from node.local.text import web_url

KINDS = ("announcement", "listing", "event")
# ties on created_at are broken by this rank, then by id (the cursor is "time~kind~id")
RANK = {"announcement": 0, "event": 1, "listing": 2}


@dataclass(frozen=True)
class FeedFilter:
    kind: str = ""  # announcement | listing | event
    listing_kind: str = ""  # offer | request
    type: str = ""  # service | gift | loan | paid
    category: str = ""
    q: str = ""
    public_only: bool = False  # visitors who are not residents see only public-reach items
    scope: str = "all"  # quarter | twins | all (node/local/reach.py)
    languages: tuple[str, ...] = ()  # the resident's chosen languages; () = every language
    reader: reach.Viewer | None = None  # who reads (reach.readable); None: public_only decides

    @classmethod
    def parse(cls, query: Any) -> FeedFilter:
        def get(name: str) -> str:
            return str(query.get(name) or "").strip()

        kind, listing_kind = get("kind"), get("listing_kind")
        if kind in LISTING_KINDS:  # ?kind=offer reads naturally: listings that are offers
            kind, listing_kind = "listing", kind
        if kind and kind not in KINDS:
            raise Invalid(_("Unknown kind of item."), {"kind": "choice"})
        if listing_kind and listing_kind not in LISTING_KINDS:
            raise Invalid(_("Unknown kind of listing."), {"listing_kind": "choice"})
        type_ = get("type")
        if type_ and type_ not in LISTING_TYPES:
            raise Invalid(_("Unknown type of listing."), {"type": "choice"})
        return cls(
            kind, listing_kind, type_, get("category")[:40], get("q")[:200],
            scope=reach.parse_scope(get("scope")),
        )  # fmt: skip

    def for_visitor(self) -> FeedFilter:
        return replace(self, public_only=True)

    def read_by(self, who: Any) -> FeedFilter:
        return replace(self, reader=reach.viewer_of(who))

    def allowed(self, model: Any) -> Any:
        """The reach rule for this reader (always true when no reader is set)."""
        return reach.readable(model, self.reader) if self.reader is not None else True

    def wants(self, kind: str) -> bool:
        if self.kind:
            return self.kind == kind
        if self.listing_kind or self.type:
            return kind == "listing"
        if self.category:
            return kind in ("listing", "event")
        return True


@dataclass
class FeedItem:
    type: str
    id: int
    title: str
    summary: str
    path: str
    created_at: dt.datetime
    origin: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    row: Any = None

    @property
    def remote_url(self) -> str:
        """The page on the origin node, for rows that came from elsewhere."""
        return web_url(getattr(self.row, "url", "") or "")  # only http(s) (issue #8)

    @property
    def cursor(self) -> str:
        return f"{self.created_at.isoformat()}~{self.type}~{self.id}"


def parse_cursor(value: str | None) -> tuple[dt.datetime, str, int] | None:
    if not value:
        return None
    try:
        stamp, kind, ident = value.split("~")
        if kind not in KINDS:
            raise ValueError
        stamp = inputs.parse_datetime(stamp)
        if stamp.tzinfo is not None:  # rows hold naive UTC
            stamp = stamp.astimezone(dt.UTC).replace(tzinfo=None)
        return stamp, kind, inputs.bounded_int(ident, low=1)
    except (ValueError, OverflowError, Invalid):
        raise Invalid(_("This page cursor is not valid."), {"before": "format"}) from None


def _before(model: type[pw.Model], kind: str, cursor: tuple | None) -> Any:
    if cursor is None:
        return True
    stamp, c_kind, c_id = cursor
    if RANK[kind] < RANK[c_kind]:
        return model.created_at <= stamp
    if RANK[kind] > RANK[c_kind]:
        return model.created_at < stamp
    return (model.created_at < stamp) | ((model.created_at == stamp) & (model.id < c_id))


def _summary(text: str, size: int = 240) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= size else text[: size - 1] + "…"


def who_sees(model: Any, quarter_id: int, filters: FeedFilter, visible: bool = True) -> Any:
    """reach.visible (the reader's quarter and scope; skipped for announcements) and
    reach.readable (may this reader see it) as one where-clause for rows of `model`.

    Compiled to SQL once per reader and scope and reused: peewee took ~2.7 ms to write these
    two clauses for every query (against 0.3 ms for PostgreSQL to run it, bench/sharing.py),
    three times for each feed page. Only clauses that read nothing from the database when they
    are built are kept (every one but a server's, whose twinned quarters are looked up)."""
    key = (quarter_id, filters.scope, filters.languages, filters.public_only, filters.reader)
    if filters.reader is not None and filters.reader.server:
        return _who_sees(model, visible, *key)
    dialect = type(model._meta.database.obj)
    text, params = _who_sees_sql(model, dialect, visible, *key)
    return pw.SQL(text, list(params))


def _who_sees(model: Any, visible: bool, quarter_id: int, scope: str, languages: tuple,
              public_only: bool, reader: reach.Viewer | None) -> Any:  # fmt: skip
    clause = model.id.is_null(False)  # always true: something to write when nothing else is
    if reader is not None:
        clause = reach.readable(model, reader)
    if visible:
        clause = reach.visible(model, quarter_id, scope, languages, public_only) & clause
    return clause


@functools.lru_cache(maxsize=256)
def _who_sees_sql(model: Any, dialect: type, visible: bool, *key: Any) -> tuple[str, tuple]:
    # written in a query of the model alone, so its columns carry the alias they will have ("t1")
    bare, _ = model.select(model.id).sql()
    text, params = model.select(model.id).where(_who_sees(model, visible, *key)).sql()
    if not text.startswith(bare + " WHERE "):
        raise RuntimeError(f"unexpected SQL for {model.__name__}: {text[:200]}")
    return "(" + text[len(bare) + len(" WHERE ") :] + ")", tuple(params)


def listing_query(quarter_id: int, filters: FeedFilter, now: dt.datetime) -> Any:
    query = Listing.select().where(
        who_sees(Listing, quarter_id, filters)
        & (Listing.state == "open")
        & (Listing.hidden == False)  # noqa: E712
        & (Listing.expires_at.is_null() | (Listing.expires_at > now))
    )
    if filters.listing_kind:
        query = query.where(Listing.kind == filters.listing_kind)
    if filters.type:
        query = query.where(Listing.type == filters.type)
    if filters.category:
        query = query.where(Listing.category == filters.category)
    if filters.q:
        query = query.where(listing_text_matches(filters.q))
    return query


def event_query(quarter_id: int, filters: FeedFilter, now: dt.datetime) -> Any:
    query = Event.select().where(
        who_sees(Event, quarter_id, filters)
        & (Event.ends_at > now)
        & (Event.hidden == False)  # noqa: E712
        & (Event.status != "cancelled")
    )
    if filters.category:
        query = query.where(Event.category == filters.category.upper())
    if filters.q:
        query = query.where(event_text_matches(filters.q))
    return query


def announcement_query(quarter_id: int, filters: FeedFilter) -> Any:
    query = Announcement.select().where(
        (Announcement.quarter == quarter_id)
        & (Announcement.hidden == False)  # noqa: E712
        & (filters.scope != "twins")
        & who_sees(Announcement, quarter_id, filters, visible=False)
    )
    if filters.public_only:
        query = query.where(Announcement.reach == "public")
    if filters.q:
        like = f"%{filters.q}%"
        query = query.where(Announcement.title.contains(filters.q) | Announcement.body**like)
    return query


def feed(
    quarter_id: int,
    filters: FeedFilter,
    now: dt.datetime,
    limit: int = 20,
    before: str | None = None,
) -> list[FeedItem]:
    """One page of the feed, newest first; pass the last item's cursor as `before`."""
    cursor = parse_cursor(before)
    items: list[FeedItem] = []
    sources = {
        "announcement": lambda: announcement_query(quarter_id, filters),
        "listing": lambda: listing_query(quarter_id, filters, now),
        "event": lambda: event_query(quarter_id, filters, now),
    }
    for kind, make in sources.items():
        if not filters.wants(kind):
            continue
        model = {"announcement": Announcement, "listing": Listing, "event": Event}[kind]
        rows = (
            make()
            .where(_before(model, kind, cursor))
            .order_by(model.created_at.desc(), model.id.desc())
            .limit(limit)
        )
        items.extend(_item(kind, row) for row in rows)
    items.sort(key=lambda i: (i.created_at, -RANK[i.type], i.id), reverse=True)
    return items[:limit]


def _item(kind: str, row: Any) -> FeedItem:
    if kind == "announcement":
        return FeedItem(
            kind, row.id, row.title, _summary(row.body), f"/announcements/{row.id}",
            row.created_at, row.origin, {"organisation_id": row.organisation_id}, row,
        )  # fmt: skip
    if kind == "event":
        return FeedItem(
            kind, row.id, row.title, _summary(row.description), f"/events/{row.id}",
            row.created_at, row.origin,
            {"starts_at": row.starts_at, "ends_at": row.ends_at, "place": row.place_name,
             "category": row.category, "timezone": row.timezone, "language": row.language,
             **reach.origin_of(row)},
            row,
        )  # fmt: skip
    return FeedItem(
        kind, row.id, row.title, _summary(row.description), f"/listings/{row.id}",
        row.created_at, row.origin,
        {"kind": row.kind, "listing_type": row.type, "category": row.category,
         "language": row.language, **reach.origin_of(row)},
        row,
    )  # fmt: skip


# full-text search: events have their own index (migration 0020); listings belong to node/local/listings/search.py


def _is_postgres() -> bool:
    return isinstance(Event._meta.database.obj, pw.PostgresqlDatabase)


def _fts_query(q: str) -> str:
    """Words as FTS5 prefix terms, each quoted so punctuation never breaks the syntax."""
    words = [w.replace('"', "") for w in q.split() if w.replace('"', "")]
    return " ".join(f'"{w}"*' for w in words[:10])


def event_text_matches(q: str) -> Any:
    """The condition "the event's text holds the words of q", through its full-text index.

    A condition rather than the 500 best-ranked ids it was: no match of this quarter is lost
    behind those of others, and PostgreSQL estimates whole words well enough to pick the index
    for rare ones and the newest rows first for common ones (EXPLAIN)."""
    if not q.split():
        return Event.id.in_([])
    if _is_postgres():
        vector = pw.fn.to_tsvector(
            pw.SQL("'simple'"), Event.title.concat(" ").concat(Event.description)
        )
        return pw.Expression(vector, "@@", pw.fn.plainto_tsquery(pw.SQL("'simple'"), q))
    return Event.id.in_(
        pw.SQL("(SELECT rowid FROM event_fts WHERE event_fts MATCH ?)", [_fts_query(q)])
    )


SEARCH_CANDIDATES = 500  # the newest matches a search ranks (after who_sees), by created_at
SEARCH_WINDOW = 5_000  # PostgreSQL: the newest listings looked at first
EPOCH = dt.datetime(1970, 1, 1)  # older than any listing


def listing_text_matches(q: str) -> Any:
    """The condition "the listing's text holds every word of q" (as prefixes), through the
    listings' full-text search (FTS5 / tsvector, node/local/listings/search.py): the listing is
    one of the newest SEARCH_CANDIDATES matches.

    Not the condition itself: PostgreSQL cannot estimate how many rows a prefix match finds, and
    given the condition it sometimes walks the whole table newest first for a rare word
    (EXPLAIN: 58 ms at 10,000 listings, against 0.1 ms through the index). On SQLite a
    subquery of the ids (the newest by id) keeps it on the index. On PostgreSQL the candidates
    are fetched first (_newest_matches) and handed over as a list of ids with the oldest
    candidate's created_at as a bound: as a subquery, PostgreSQL joined it by reading the whole
    listing table (EXPLAIN ANALYZE at 100,000 listings: a 45 ms sequential scan to keep 500
    rows, 63 ms in all for q=ladder), and given only the list it may walk the created_at index
    from the newest listing down to the candidates."""
    words = search.terms(q)
    if not words:
        return Listing.id.in_([])  # only punctuation or search syntax: nothing to look for
    ids = Listing.select(Listing.id).where(
        Listing.state.in_(list(VISIBLE_STATES))
        & (Listing.hidden == False)  # noqa: E712
        & search.matching(words)
    )
    if not _is_postgres():
        return Listing.id.in_(ids.order_by(Listing.id.desc()).limit(SEARCH_CANDIDATES))
    found = _newest_matches(ids, windowed=len(words) == 1)
    if not found:
        return Listing.id.in_([])
    ids = pw.Value([i for i, _ in found], unpack=False)  # one array parameter, not 500
    return (Listing.id == pw.fn.ANY(ids)) & (Listing.created_at >= found[-1][1])


def _newest_matches(ids: Any, windowed: bool = True) -> list[tuple[int, dt.datetime]]:
    """(id, created_at) of the newest SEARCH_CANDIDATES rows of `ids`, newest first.

    One word (`windowed`): among the newest SEARCH_WINDOW listings first (the text index ANDed
    with a created_at range: a common word no longer reads every row it matches, and a prefix
    match makes PostgreSQL recompute the text of each; EXPLAIN ANALYZE at 100,000 listings,
    q=ladder: 7 ms against 16 ms), then among the older ones when the window holds too few (a
    rare word, which the index finds in few rows either way). Several words match few rows and
    PostgreSQL knows it: it does not AND the range then, and the window would read them twice."""
    newest = (
        ids.select(Listing.id, Listing.created_at)
        .order_by(Listing.created_at.desc(), Listing.id.desc())
        .limit(SEARCH_CANDIDATES)
    )
    if not windowed:
        return list(newest.tuples())
    # the created_at of the newest listing beyond the window, or NULL with fewer listings
    edge = (
        Listing.select(Listing.created_at)
        .order_by(Listing.created_at.desc())
        .offset(SEARCH_WINDOW)
        .limit(1)
    )
    found = list(newest.where(Listing.created_at > pw.fn.COALESCE(edge, EPOCH)).tuples())
    if len(found) < SEARCH_CANDIDATES:
        older = newest.where(Listing.created_at <= edge).limit(SEARCH_CANDIDATES - len(found))
        found.extend(older.tuples())
    return found
