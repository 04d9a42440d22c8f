"""What goes on paper (letterbox stickers, posters, weekly digests): who may print it and what it shows.

Paper leaves the screen for good, so it shows less than a page: first names only, never an
address or a position, and only what its readers may see (node/local/reach.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

from node.i18n import _
from node.local import reach
from node.local.errors import DomainError, NotAllowed, NotFound
from node.local.events.models import Event
from node.local.listings.models import Category, Listing
from node.local.loans.models import Loan
from node.local.models import Quarter, Resident

POSTER_OFFERS = 6
DIGEST_LIMIT = 12  # per kind: one A4 page holds about this many lines with their QR codes
PRINTERS = ("moderator", "ambassador")  # of the quarter; admins print for every quarter
WEEK = re.compile(r"([0-9]{4})-W([0-9]{2})")  # ASCII digits only (\d takes any script)


def first_name(resident: Resident) -> str:
    """The first word of the display name (or the user name): all paper ever says of a person."""
    words = (resident.display_name or "").split()
    return words[0][:40] if words else resident.username


@dataclass
class Sticker:
    first_name: str
    username: str
    categories: list[str]  # slugs, the most stocked first
    items: int


def sticker(resident_id: int) -> Sticker:
    """A resident's letterbox sticker: their first name and their shelf's categories."""
    resident = Resident.get_or_none((Resident.id == resident_id) & Resident.external_ref.is_null())
    if resident is None:
        raise NotFound(_("No such resident."))
    rows = (
        Listing.select(Listing.category)
        .where(
            (Listing.author == resident_id)
            & (Listing.shelf == True)  # noqa: E712 - peewee expression
            & (Listing.state.not_in(("withdrawn", "done")))
            & (Listing.hidden == False)  # noqa: E712
        )
        .tuples()
    )
    counts = Counter(slug for (slug,) in rows)
    order = {c.slug: c.position for c in Category.select(Category.slug, Category.position)}
    slugs = sorted(counts, key=lambda s: (-counts[s], order.get(s, 10_000), s))
    return Sticker(first_name(resident), resident.username, slugs, sum(counts.values()))


def local_quarter(slug: str) -> Quarter:
    quarter = Quarter.get_or_none((Quarter.slug == slug) & Quarter.external_ref.is_null())
    if quarter is None:
        raise NotFound(_("No such quarter."))
    return quarter


@dataclass
class Line:
    """One item on paper: what, of which kind, by whom (first name), and the path of its page."""

    kind: str  # offer | request | event
    title: str
    category: str
    by: str
    path: str
    when: dt.datetime | None = None  # events: start (naive UTC)
    timezone: str = ""


def poster_offers(quarter_id: int, limit: int = POSTER_OFFERS) -> list[Line]:
    """The newest offers of the quarter that anybody may read (a poster hangs in a bakery)."""
    query = (
        Listing.select(Listing, Resident)
        .join(Resident, on=(Listing.author == Resident.id))
        .where(
            reach.readable(Listing, None)  # a visitor's view: public reach only
            & (Listing.quarter == quarter_id)
            & Listing.external_ref.is_null()
            & (Listing.kind == "offer")
            & (Listing.state == "open")
            & (Listing.hidden == False)  # noqa: E712
        )
        .order_by(Listing.created_at.desc(), Listing.id.desc())
        .limit(limit)
    )
    # belt and braces: the one rule for one item as well (a list filtered apart from its detail leaks)
    return [_listing_line(row) for row in query if reach.may_see(row, None)]


def _listing_line(row: Listing) -> Line:
    return Line(row.kind, row.title, row.category, first_name(row.author), f"/listings/{row.id}")


def parse_week(value: str | None, today: dt.date) -> tuple[str, dt.datetime, dt.datetime]:
    """An ISO week "YYYY-Www" (default: this week) → (label, start, end) as naive UTC datetimes."""
    value = (value or "").strip()
    if not value:
        year, week, _day = today.isocalendar()
        value = f"{year}-W{week:02d}"
    match = WEEK.fullmatch(value)
    try:
        if not match:
            raise ValueError(value)
        monday = dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        message = _("The week must be an ISO week like 2026-W05.")
        raise DomainError(message, {"week": message}) from None
    start = dt.datetime.combine(monday, dt.time())
    return value, start, start + dt.timedelta(days=7)


def check_may_print_digest(resident: Resident, quarter: Quarter) -> None:
    """The digest is for the quarter's moderators and ambassadors (and the node's admins)."""
    if resident.role == "admin":
        return
    if resident.role in PRINTERS and resident.quarter_id == quarter.id:
        return
    raise NotAllowed(_("The weekly digest is for the moderators and ambassadors of this quarter."))


@dataclass
class Digest:
    offers: list[Line] = field(default_factory=list)
    requests: list[Line] = field(default_factory=list)
    events: list[Line] = field(default_factory=list)
    more: int = 0  # items of the week beyond DIGEST_LIMIT per kind (counted, not listed)


def digest(quarter_id: int, start: dt.datetime, end: dt.datetime) -> Digest:
    """The week's new offers and requests of the quarter, and its events that week or announced then.

    For the halls of the quarter's buildings: the quarter's own items at every reach (its residents
    read it), never hidden, withdrawn or cancelled ones, never another node's.
    """
    listings = (
        Listing.select(Listing, Resident)
        .join(Resident, on=(Listing.author == Resident.id))
        .where(
            (Listing.quarter == quarter_id)
            & Listing.external_ref.is_null()
            & (Listing.created_at >= start)
            & (Listing.created_at < end)
            & (Listing.state.in_(("open", "reserved")))
            & (Listing.hidden == False)  # noqa: E712
        )
        .order_by(Listing.created_at, Listing.id)
    )
    found = Digest()
    for row in listings:
        bucket = found.offers if row.kind == "offer" else found.requests
        if len(bucket) < DIGEST_LIMIT:
            bucket.append(_listing_line(row))
        else:
            found.more += 1
    events = (
        Event.select(Event, Resident)
        .join(Resident, on=(Event.organiser == Resident.id))
        .where(
            (Event.quarter == quarter_id)
            & Event.external_ref.is_null()
            & (Event.status != "cancelled")
            & (Event.hidden == False)  # noqa: E712
            & (
                ((Event.starts_at >= start) & (Event.starts_at < end))
                | (
                    (Event.created_at >= start)
                    & (Event.created_at < end)
                    & (Event.starts_at >= start)
                )
            )
        )
        .order_by(Event.starts_at, Event.id)
    )
    found.more += max(0, events.count() - DIGEST_LIMIT)
    found.events = [
        Line(
            "event",
            row.title,
            "",
            first_name(row.organiser),
            f"/events/{row.id}",
            row.starts_at,
            row.timezone,
        )
        for row in events.limit(DIGEST_LIMIT)
    ]
    return found


@dataclass
class ShelfItem:
    id: int
    title: str
    category: str
    lent_until: dt.date | None  # None: free now


def public_shelf(username: str, viewer: object, today: dt.date) -> tuple[Resident, list[ShelfItem]]:
    """A local resident's shelf as `viewer` may see it, each object free now or lent until a date.

    This is what the QR code on a letterbox sticker opens: the sticker says "I lend", the page says
    whether the drill is free today.
    """
    resident = Resident.get_or_none(
        (Resident.username == username)
        & (Resident.host == "")
        & Resident.deleted_at.is_null()
        & Resident.external_ref.is_null()
    )
    if resident is None:
        raise NotFound(_("No resident has this name."))
    rows = [
        row
        for row in Listing.select()
        .where(
            (Listing.author == resident.id)
            & (Listing.shelf == True)  # noqa: E712
            & (Listing.state.not_in(("withdrawn", "done")))
            & (Listing.hidden == False)  # noqa: E712
            & reach.readable(Listing, viewer)
        )
        .order_by(Listing.title, Listing.id)
        if reach.may_see(row, viewer)
    ]
    out_until: dict[int, dt.date] = {}
    if rows:
        loans = Loan.select(Loan.listing, Loan.state, Loan.until).where(
            Loan.listing.in_([row.id for row in rows])
            & (
                (Loan.state == "handed_over")
                | ((Loan.state == "accepted") & (Loan.start <= today) & (Loan.until >= today))
            )
        )
        for loan in loans:
            until = loan.until
            out_until[loan.listing_id] = max(until, out_until.get(loan.listing_id, until))
    items = [ShelfItem(r.id, r.title, r.category, out_until.get(r.id)) for r in rows]
    return resident, items
