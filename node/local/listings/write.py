"""Listings: publishing offers and requests (service, gift, loan, paid), editing, withdrawing,
renewing, expiry and the shelf."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace
from typing import Any

import peewee as pw

from node.i18n import _
from node.local import geo, language_guess, reach
from node.local.errors import Invalid, InvalidTransition, NotAllowed, NotFound, Stale
from node.local.listings import categories
from node.local.listings.drafts import ListingDraft
from node.local.listings.models import Listing, ListingRevision
from node.local.models import Resident
from node.local.shelves import matching as shelf_matching
from node.local.text import markdown_to_html
from node.local.tx import Change, Tx

EXPIRED = "expired"  # beside LISTING_STATES: an open listing whose time ran out (renewable)
VISIBLE_STATES = ("open", "reserved")


@dataclass(frozen=True)
class ListingPublished(Change):
    listing_id: int


@dataclass(frozen=True)
class ListingUpdated(Change):
    listing_id: int


@dataclass(frozen=True)
class ListingWithdrawn(Change):
    listing_id: int


def _resident(resident_id: int) -> Resident:
    resident = Resident.get_or_none(Resident.id == resident_id)
    if resident is None or resident.deleted_at is not None:
        raise NotFound(_("No such resident."))
    return resident


def _check_may_publish(tx: Tx, resident: Resident) -> None:
    allowed = tx.settings is not None and tx.settings.unverified_can_publish
    if not resident.is_verified and not allowed:
        raise NotAllowed(
            _("Your address must be verified before you can publish or contact neighbours.")
        )
    if resident.quarter_id is None:
        raise NotAllowed(_("Join your quarter before you publish."))
    if resident.suspended_until is not None and resident.suspended_until > tx.now:
        raise NotAllowed(_("Your account is suspended."))


def _expiry(tx: Tx, on_shelf: bool) -> dt.datetime | None:
    if on_shelf:
        return None  # the shelf: always willing to lend, never expires
    days = tx.settings.listing_days if tx.settings is not None else 60
    return tx.now + dt.timedelta(days=days)


def publish(tx: Tx, resident_id: int, draft: ListingDraft) -> Listing:
    """Publish an offer or a request in the resident's quarter, at their coarse position."""
    resident = _resident(resident_id)
    _check_may_publish(tx, resident)
    category = categories.check(draft.category)
    reach = draft.reach or (tx.settings.default_reach if tx.settings is not None else "quarter")
    lat = lon = None
    if resident.lat is not None and resident.lon is not None:
        lat, lon = geo.coarsen(resident.lat, resident.lon)
    listing = Listing.create(
        author=resident.id,
        quarter=resident.quarter_id,
        kind=draft.kind,
        type=draft.type,
        title=draft.title,
        description=draft.description,
        description_html=markdown_to_html(draft.description),
        category=category,
        price=draft.price,
        currency=draft.currency,
        price_unit=draft.price_unit,
        availability=draft.availability,
        # the author's choice, else what the text itself says, else their own page language
        language=draft.language
        or language_guess.detect(f"{draft.title}\n{draft.description}")
        or resident.language,
        reach=reach,
        shelf=draft.shelf,
        lat=lat,
        lon=lon,
        state="open",
        expires_at=_expiry(tx, draft.shelf),
        created_at=tx.now,
        updated_at=tx.now,
    )
    tx.record(ListingPublished(listing.id))
    shelf_matching.after_write(tx, listing)
    return listing


def _own(tx: Tx, resident_id: int, listing_id: int) -> Listing:
    """The author's listing, its row locked on PostgreSQL until the transaction ends, so that
    edits, state moves and the withdrawal of one listing happen one after the other (SQLite
    transactions begin IMMEDIATE: they already do)."""
    query = Listing.select().where((Listing.id == listing_id) & (Listing.origin == ""))
    if isinstance(Listing._meta.database.obj, pw.PostgresqlDatabase):
        query = query.for_update()
    listing = query.first()
    if listing is None:
        raise NotFound(_("No such listing."))
    if listing.author_id != resident_id:
        who = Resident.get_or_none(Resident.id == resident_id)
        raise reach.refusal(
            listing, who, _("Only the author can change this listing."), _("No such listing.")
        )
    return listing


def _withdrawn_final() -> InvalidTransition:
    return InvalidTransition(_("A withdrawn listing can no longer be edited."))


def _stale() -> Stale:
    return Stale(_("This listing was changed meanwhile; reload it and try again."))


def _check_version(listing: Listing, expected: tuple[int, ...] | None) -> None:
    """`expected`: the versions the editor may have seen (If-Match, the form); None: any."""
    if expected is not None and listing.version not in expected:
        raise _stale()


def _save(tx: Tx, listing: Listing, check_version: bool = True, **values: Any) -> None:
    """Write only these columns and bump the version; a withdrawn listing is never written again
    (a conditional UPDATE, so withdrawal stays final whatever ran at the same time)."""
    values["updated_at"] = tx.now
    where = (Listing.id == listing.id) & (Listing.state != "withdrawn")
    if check_version:
        where &= Listing.version == listing.version
    changed = Listing.update(version=Listing.version + 1, **values).where(where).execute()
    if not changed:
        now = Listing.get_or_none(Listing.id == listing.id)
        if now is None or now.state == "withdrawn":
            raise _withdrawn_final()
        raise _stale()
    for name, value in values.items():
        setattr(listing, name, value)
    listing.version += 1


def edit(
    tx: Tx,
    resident_id: int,
    listing_id: int,
    changes: dict[str, Any],
    expected: tuple[int, ...] | None = None,
) -> Listing:
    """Apply a partial edit (ListingDraft.parse(..., partial=True)); the old text is kept.

    Only the changed columns are written; `expected` refuses the edit (Stale) when the listing
    is no longer at one of those versions."""
    listing = _own(tx, resident_id, listing_id)
    if listing.state == "withdrawn":
        raise _withdrawn_final()
    _check_version(listing, expected)
    changes = dict(changes)
    state = changes.pop("state", None)
    if not changes and state is not None:
        return set_state(tx, resident_id, listing_id, state)
    current = ListingDraft(**{f.name: getattr(listing, f.name) for f in fields(ListingDraft)})
    merged = replace(current, **changes)
    if merged.type == "paid" and (merged.price is None or not merged.price_unit):
        message = _("A paid listing needs a price.")
        raise Invalid(message, {"price": message})
    if merged.shelf and (merged.type != "loan" or merged.kind != "offer"):
        message = _("Only objects you lend can go on your shelf.")
        raise Invalid(message, {"shelf": message})
    if merged.category != listing.category:
        categories.check(merged.category)
    if (merged.title, merged.description) != (listing.title, listing.description):
        ListingRevision.create(
            listing=listing.id,
            editor=resident_id,
            title=listing.title,
            description=listing.description,
            edited_at=tx.now,
        )
    values = {name: getattr(merged, name) for name in changes}
    if merged.type != "paid" and (listing.price is not None or listing.price_unit):
        values.update(price=None, price_unit="")
    if "description" in changes:
        values["description_html"] = markdown_to_html(merged.description)
    if "shelf" in changes:
        values["expires_at"] = _expiry(tx, merged.shelf)
    _save(tx, listing, **values)
    if state is not None and state != listing.state:
        return set_state(tx, resident_id, listing_id, state)
    tx.record(ListingUpdated(listing.id))
    shelf_matching.after_write(tx, listing)
    return listing


# author moves: reserve, done, reopen (withdraw and renew have their own functions)
MOVES = {
    "reserved": ("open",),
    "done": ("open", "reserved"),
    "open": ("reserved", "done"),
}


def set_state(tx: Tx, resident_id: int, listing_id: int, state: str) -> Listing:
    listing = _own(tx, resident_id, listing_id)
    if state == "withdrawn":
        return withdraw(tx, resident_id, listing_id)
    if state not in MOVES:
        message = _("Choose one of: %(choices)s.", choices="open, reserved, done")
        raise Invalid(message, {"state": message})
    if listing.state not in MOVES[state]:
        raise InvalidTransition(
            _(
                "This listing is %(state)s and cannot become %(new)s.",
                state=listing.state,
                new=state,
            )
        )
    _save(tx, listing, state=state)
    tx.record(ListingUpdated(listing.id))
    shelf_matching.after_write(tx, listing)
    return listing


def withdraw(
    tx: Tx, resident_id: int, listing_id: int, expected: tuple[int, ...] | None = None
) -> Listing:
    """Withdraw for good: no edit, state move or renewal brings the listing back."""
    listing = _own(tx, resident_id, listing_id)
    if listing.state == "withdrawn":
        raise InvalidTransition(_("This listing is already withdrawn."))
    _check_version(listing, expected)
    try:
        _save(tx, listing, check_version=False, state="withdrawn")
    except InvalidTransition:
        raise InvalidTransition(_("This listing is already withdrawn.")) from None
    tx.record(ListingWithdrawn(listing.id))
    shelf_matching.after_write(tx, listing)
    return listing


def renew(tx: Tx, resident_id: int, listing_id: int) -> Listing:
    """Give a listing another `listing_days`; an expired one opens again."""
    listing = _own(tx, resident_id, listing_id)
    if listing.state not in ("open", "reserved", EXPIRED):
        raise InvalidTransition(_("Only open, reserved or expired listings can be renewed."))
    values: dict[str, Any] = {"expires_at": _expiry(tx, listing.shelf)}
    if listing.state == EXPIRED:
        values["state"] = "open"
    _save(tx, listing, **values)
    tx.record(ListingUpdated(listing.id))
    return listing


def expire_due(tx: Tx, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Mark open listings past their date as expired (shelf items have no date); return the count."""
    now = now or tx.now
    due = list(
        Listing.select(Listing.id)
        .where(
            (Listing.state == "open")
            & (Listing.shelf == False)  # noqa: E712 - peewee expression
            & Listing.expires_at.is_null(False)
            & (Listing.expires_at <= now)
            & (Listing.origin == "")
        )
        .limit(batch)
    )
    for row in due:
        expired = (
            Listing.update(state=EXPIRED, updated_at=now, version=Listing.version + 1)
            .where((Listing.id == row.id) & (Listing.state == "open"))
            .execute()
        )
        if expired:
            tx.record(ListingUpdated(row.id))
    return len(due)


# the shelf


def put_on_shelf(tx: Tx, resident_id: int, draft: ListingDraft) -> Listing:
    """Add an object to the resident's shelf: a loan offer that stays open."""
    return publish(tx, resident_id, replace(draft, kind="offer", type="loan", shelf=True))
