"""Reading listings: one listing with its author and photos, visibility, shelves, histories."""

from __future__ import annotations

from typing import Any

import peewee as pw

from node.i18n import _
from node.local import reach
from node.local.errors import NotFound
from node.local.listings.models import Listing, ListingPhoto, ListingRevision
from node.local.models import Quarter, Resident


def get(listing_id: int) -> Listing:
    """A listing with its author, quarter and photos (for pages and JSON)."""
    listing = (
        Listing.select(Listing, Resident, Quarter)
        .join(Resident, on=(Listing.author == Resident.id))
        .switch(Listing)
        .join(Quarter, on=(Listing.quarter == Quarter.id), join_type=pw.JOIN.LEFT_OUTER)
        .where(Listing.id == listing_id)
        .first()
    )
    if listing is None:
        raise NotFound(_("No such listing."))
    listing.photo_list = list(
        ListingPhoto.select()
        .where(ListingPhoto.listing == listing_id)
        .order_by(ListingPhoto.position, ListingPhoto.id)
    )
    return listing


def can_see(listing: Listing, viewer: Any) -> bool:
    """Whether the viewer may read the listing: the one rule of node/local/reach.py."""
    return reach.may_see(listing, viewer)


def shelf(resident_id: int) -> list[Listing]:
    """A resident's shelf: the objects they always lend (open loan offers marked shelf)."""
    rows = list(
        Listing.select()
        .where(
            (Listing.author == resident_id)
            & (Listing.shelf == True)  # noqa: E712
            & (Listing.state != "withdrawn")
        )
        .order_by(Listing.title)
    )
    photos = _first_photos([r.id for r in rows])
    for row in rows:
        row.photo_list = photos.get(row.id, [])
    return rows


def _first_photos(listing_ids: list[int]) -> dict[int, list[ListingPhoto]]:
    found: dict[int, list[ListingPhoto]] = {}
    if not listing_ids:
        return found
    query = (
        ListingPhoto.select()
        .where(ListingPhoto.listing.in_(listing_ids))
        .order_by(ListingPhoto.position, ListingPhoto.id)
    )
    for photo in query:
        found.setdefault(photo.listing_id, []).append(photo)
    return found


def attach_photos(rows: list[Listing]) -> list[Listing]:
    """Give each row its photo_list in one query (for cards and JSON)."""
    photos = _first_photos([r.id for r in rows])
    for row in rows:
        row.photo_list = photos.get(row.id, [])
    return rows


def mine(resident_id: int) -> list[Listing]:
    rows = list(
        Listing.select()
        .where((Listing.author == resident_id) & (Listing.state != "withdrawn"))
        .order_by(Listing.id.desc())
    )
    return attach_photos(rows)


def revisions(listing_id: int) -> list[ListingRevision]:
    return list(
        ListingRevision.select()
        .where(ListingRevision.listing == listing_id)
        .order_by(ListingRevision.id.desc())
    )
