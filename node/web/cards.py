"""What a feed card shows besides the item: its author's face and name, and its first photo.

Loaded for a whole page of items in two queries (templates never query)."""

from __future__ import annotations

from typing import Any

from node.local.listings.models import ListingPhoto
from node.local.models import Organisation, Resident


def _author_id(item: Any) -> int | None:
    row = item.row
    if row is None:
        return None
    return getattr(row, "author_id", None) or getattr(row, "organiser_id", None)


def dress(items: list[Any]) -> list[Any]:
    """Give each feed item extra["author"] (a Resident or None), extra["organisation"] and
    extra["photo"] (the first listing photo with a thumbnail, or None)."""
    people = {i for i in (_author_id(item) for item in items) if i}
    authors = (
        {r.id: r for r in Resident.select().where(Resident.id.in_(list(people)))} if people else {}
    )
    orgs_ids = {item.extra.get("organisation_id") for item in items} - {None}
    orgs = (
        {o.id: o for o in Organisation.select().where(Organisation.id.in_(list(orgs_ids)))}
        if orgs_ids
        else {}
    )
    listing_ids = [item.id for item in items if item.type == "listing"]
    photos: dict[int, ListingPhoto] = {}
    if listing_ids:
        rows = (
            ListingPhoto.select()
            .where(ListingPhoto.listing.in_(listing_ids) & (ListingPhoto.thumb != ""))
            .order_by(ListingPhoto.position, ListingPhoto.id)
        )
        for photo in rows:
            photos.setdefault(photo.listing_id, photo)
    for item in items:
        author = authors.get(_author_id(item))
        item.extra["author"] = None if author is None or author.deleted_at else author
        item.extra["organisation"] = orgs.get(item.extra.get("organisation_id"))
        item.extra["photo"] = photos.get(item.id) if item.type == "listing" else None
    return items
