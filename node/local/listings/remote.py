"""Listings kept from other nodes: created or brought up to date as their author changes them."""

from __future__ import annotations

from node.local.listings.models import Listing
from node.local.models import utcnow
from node.local.remote_drafts import Arrival, RemoteListing
from node.local.shelves import matching as shelf_matching
from node.local.tx import Tx


def receive_remote(tx: Tx, author_id: int, draft: RemoteListing, arrival: Arrival) -> int:
    """A listing kept from another node, created or brought up to date; returns its id.

    Freshness and reach were decided on arrival (activitypub.arrivals); only its author changes it.
    """
    values = {
        "kind": draft.kind,
        "type": draft.type,
        "title": draft.title,
        "description_html": draft.description_html,
        "category": draft.category,
        "price": draft.price,
        "currency": draft.currency,
        "lat": draft.lat,
        "lon": draft.lon,
        "language": draft.language,
        "url": draft.url,
        "updated_at": utcnow(),
        "reach": arrival.reach,
        "quarter": arrival.quarter_id,
        "remote_updated": arrival.remote_updated,
    }
    row = Listing.get_or_none(Listing.external_ref == draft.ref)
    if row is None:
        row = Listing.create(
            author=author_id, external_ref=draft.ref, origin=arrival.origin, **values
        )
    else:
        Listing.update(**values).where(Listing.id == row.id).execute()
    if draft.kind == "request":  # a request from a twin: the match runs here, on arrival
        shelf_matching.match_request(tx, row.id)
    return row.id


def forget_remote(listing_id: int) -> None:
    """Its author deleted a listing kept from another node: it goes."""
    Listing.delete().where(Listing.id == listing_id).execute()
