"""Twinning brings the past: a new twin receives the quarter's open listings and upcoming events.

Sent by each side once its twinning is settled (the Accept of its own Follow: the asking side's
request, the accepting side's follow back), as ordinary Create deliveries from each item's author
to the twin's inbox only, in the same transaction (outbox rows, retried like any delivery). Only
items the twin may read (reach `twins` or `public`), at most the latest MAX_ITEMS, oldest first.
"""

from __future__ import annotations

from typing import Any

from node.activitypub import as_activities, audience, outbox
from node.activitypub.models import RemoteActor
from node.local import twins
from node.local.events.models import Event
from node.local.listings.models import Listing
from node.local.models import Quarter, Resident
from node.runtime import Node

MAX_ITEMS = 200
SHARED = ("twins", "public")


def past_items(quarter_id: int, now: Any, limit: int = MAX_ITEMS) -> list[Listing | Event]:
    """The quarter's open shared listings and upcoming shared events, newest `limit`, oldest first."""
    listings = (
        Listing.select()
        .where(
            (Listing.quarter == quarter_id)
            & Listing.external_ref.is_null()
            & Listing.reach.in_(SHARED)
            & (Listing.state == "open")
            & (Listing.hidden == False)  # noqa: E712 - peewee expression
            & (Listing.expires_at.is_null() | (Listing.expires_at > now))
        )
        .order_by(Listing.created_at.desc(), Listing.id.desc())
        .limit(limit)
    )
    events = (
        Event.select()
        .where(
            (Event.quarter == quarter_id)
            & Event.external_ref.is_null()
            & Event.reach.in_(SHARED)
            & (Event.status != "cancelled")
            & (Event.hidden == False)  # noqa: E712 - peewee expression
            & (Event.ends_at > now)
        )
        .order_by(Event.created_at.desc(), Event.id.desc())
        .limit(limit)
    )
    items: list[Listing | Event] = [*listings, *events]
    items.sort(key=lambda item: (item.created_at, item.id), reverse=True)
    return list(reversed(items[:limit]))


def send(node: Node, twin_id: int, now: Any) -> int:
    """Queue the quarter's past for a settled twin; returns the deliveries written."""
    twin = twins.Twin.get_or_none(twins.Twin.id == twin_id)
    if twin is None or twin.state != "accepted":
        return 0
    quarter = Quarter.get_or_none(Quarter.id == twin.quarter_id)
    remote = RemoteActor.get_or_none(RemoteActor.uri == twin.actor_uri)
    if quarter is None or not quarter.is_local or remote is None or remote.gone:
        return 0
    inbox = remote.delivery_inbox
    authors: dict[int, str] = {}
    written = 0
    for item in past_items(quarter.id, now):
        is_listing = isinstance(item, Listing)
        author_id = item.author_id if is_listing else item.organiser_id
        if author_id not in authors:
            authors[author_id] = Resident.get_by_id(author_id).username
        author = authors[author_id]
        if is_listing:
            doc = outbox.listing_document(node, item)
        else:
            doc = outbox.event_document(node, item)
        addressed = audience.addressing(node.urls, item.reach, author, quarter)
        if addressed is None:
            continue
        to, cc, _handles = addressed
        stamp = f"twin-past-{twin.id}-{now.isoformat()}"
        activity = as_activities.wrap_create(node.urls, node.urls.actor(author), doc, to, cc, stamp)
        written += outbox.enqueue(node, author, activity, [inbox])
    return written
