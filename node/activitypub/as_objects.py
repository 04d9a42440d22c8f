"""Listings, events, announcements and comments → ActivityStreams objects; pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from html import escape
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from node.activitypub.as_activities import iso, iso_precise
from node.activitypub.contexts import EVENT_CONTEXT, LISTING_CONTEXT
from node.activitypub.vocab import AS_CONTEXT
from node.local.geo import coarsen
from node.urls import Urls

if TYPE_CHECKING:
    from node.local.events.models import Event
    from node.local.listings.models import Listing, ListingPhoto
    from node.local.models import Announcement, Comment, Quarter

_ACTION = {"loan": "transfer", "gift": "transfer", "paid": "transfer", "service": "deliverService"}
_JOIN_MODE = {"free": "free", "approval": "restricted"}
_EVENT_STATUS = {"confirmed": "CONFIRMED", "tentative": "TENTATIVE", "cancelled": "CANCELLED"}
_FEP_8A8E_STATUS = {
    "confirmed": "EventScheduled",
    "tentative": "EventTentative",
    "cancelled": "EventCancelled",
}
_TYPE_LABEL = {"service": "Service", "gift": "Gift", "loan": "Loan", "paid": "For sale"}
_KIND_LABEL = {"offer": "Offer", "request": "Request"}


def _place(lat: float | None, lon: float | None, name: str = "", coarse: bool = True) -> dict:
    if lat is None or lon is None:
        return {}
    if coarse:
        lat, lon = coarsen(lat, lon)
    place: dict[str, Any] = {"type": "Place", "latitude": float(lat), "longitude": float(lon)}
    if name:
        place["name"] = name
    if coarse:
        place["radius"] = 150.0
        place["units"] = "m"
    return place


def _price_text(listing: Listing) -> str:
    if listing.price is None:
        return ""
    unit = {"hour": " / hour", "day": " / day", "once": ""}.get(listing.price_unit, "")
    return f"{listing.price} {listing.currency}{unit}"


def photo_attachments(urls: Urls, photos: Iterable[ListingPhoto]) -> list[dict[str, Any]]:
    """Our stored photos as Image attachments; the alt text goes in `name` (Mastodon reads it as the
    description) and `summary` (what Mastodon prefers when both are there)."""
    attached = []
    for photo in photos:
        if not photo.name:
            continue  # a remote photo not fetched yet is not ours to publish
        image: dict[str, Any] = {
            "type": "Image",
            "mediaType": photo.mime,
            "url": urls.media(f"listings/{photo.name}"),
        }
        if photo.width and photo.height:
            image.update(width=photo.width, height=photo.height)
        if photo.alt:
            image.update(name=photo.alt, summary=photo.alt)
        attached.append(image)
    return attached


def listing_to_note(
    urls: Urls,
    listing: Listing,
    author_handle: str,
    quarter: Quarter | None,
    photos: Iterable[ListingPhoto] = (),
) -> dict[str, Any]:
    """A listing as a Note with full HTML (Mastodon shows Notes whole) plus FEP-0837 fields."""
    url = urls.listing(listing.id)
    kind = _KIND_LABEL.get(listing.kind, listing.kind)
    kind_type = _TYPE_LABEL.get(listing.type, listing.type)
    lines = [f"<p><strong>{escape(listing.title)}</strong></p>"]
    facts = f"{kind} · {kind_type} · {escape(listing.category)}"
    price = _price_text(listing)
    if price:
        facts += f" · {escape(price)}"
    lines.append(f"<p>{facts}</p>")
    if listing.description_html:
        lines.append(listing.description_html)
    lines.append(f'<p><a href="{escape(url)}">{escape(url)}</a></p>')
    content = "".join(lines)
    note: dict[str, Any] = {
        "@context": LISTING_CONTEXT,
        "id": url,
        "type": "Note",
        "url": url,
        "attributedTo": urls.actor(author_handle),
        "name": listing.title,
        "content": content,
        "mediaType": "text/html",
        "published": iso(listing.created_at),
        "updated": iso_precise(listing.updated_at),
        "purpose": listing.kind,
        "publishes": {
            "id": url + "#primary",
            "type": "Intent",
            "action": _ACTION.get(listing.type, "transfer"),
            "resourceQuantity": {"hasUnit": "one", "hasNumericalValue": "1"},
        },
        "listingType": listing.type,
        "listingCategory": listing.category,
    }
    if listing.language:
        note["contentMap"] = {listing.language: content}
    if listing.price is not None and listing.type == "paid":
        note["price"] = str(listing.price)
        note["currency"] = listing.currency
        note["priceUnit"] = listing.price_unit
        # FEP-0837: a reciprocal intent only when something is expected back (never gifts, loans).
        note["reciprocal"] = {
            "id": url + "#reciprocal",
            "type": "Intent",
            "action": "transfer",
            "resourceQuantity": {"hasUnit": "one", "hasNumericalValue": str(listing.price)},
            "resourceConformsTo": f"https://www.wikidata.org/wiki/ISO_4217:{listing.currency}",
        }
    attachments = photo_attachments(urls, photos)
    if attachments:
        note["attachment"] = attachments
    place = _place(listing.lat, listing.lon)
    if place:
        note["location"] = place
    if quarter is not None:
        note["audience"] = urls.quarter(quarter.slug)
    return note


def _local_time(moment: dt.datetime, zone: str) -> str:
    try:
        tz = ZoneInfo(zone)
    except (KeyError, ValueError):
        tz = dt.UTC
    return moment.replace(tzinfo=dt.UTC, microsecond=0).astimezone(tz).isoformat()


def event_to_as(
    urls: Urls,
    event: Event,
    organiser_handle: str,
    quarter: Quarter | None,
    going: int,
    waiting: int = 0,
) -> dict[str, Any]:
    """A Mobilizon-compatible Event (FEDERATION-NOTES §5.1, §11 items 27–29, FEP-8a8e)."""
    url = urls.event(event.id)
    organiser = urls.actor(organiser_handle)
    status = _EVENT_STATUS.get(event.status, "CONFIRMED")
    doc: dict[str, Any] = {
        "@context": EVENT_CONTEXT,
        "id": url,
        "type": "Event",
        "url": url,
        "name": event.title,
        "content": event.description_html,
        "mediaType": "text/html",
        "actor": organiser,
        "attributedTo": urls.quarter(quarter.slug) if quarter is not None else organiser,
        "startTime": _local_time(event.starts_at, event.timezone),
        "endTime": _local_time(event.ends_at, event.timezone),
        "timezone": event.timezone,
        "joinMode": _JOIN_MODE.get(event.join_mode, "free"),
        "maximumAttendeeCapacity": int(event.capacity),
        "remainingAttendeeCapacity": max(int(event.capacity) - going, 0)
        if event.capacity
        else None,
        "participantCount": going,
        "waitingCount": waiting,  # ours: copies show the origin's waiting list (issue #10)
        "category": (event.category or "COMMUNITY").upper(),
        "status": status,
        "ical:status": status,
        "eventStatus": _FEP_8A8E_STATUS.get(event.status, "EventScheduled"),
        "anonymousParticipationEnabled": False,
        "commentsEnabled": True,
        "published": iso(event.created_at),
        "updated": iso_precise(event.updated_at),
    }
    if event.language:
        doc["contentMap"] = {event.language: event.description_html}
        doc["inLanguage"] = event.language  # what Mobilizon reads
    place = _place(event.lat, event.lon, event.place_name, coarse=False)  # venues are public
    address = {
        "type": "PostalAddress",
        "streetAddress": event.street,
        "postalCode": event.postcode,
        "addressLocality": event.city,
        "addressCountry": event.country,
    }
    if place or event.place_name or event.street or event.city:
        place = place or {"type": "Place"}
        place.setdefault("name", event.place_name or event.city)
        place["address"] = address
        doc["location"] = place
    if quarter is not None:
        doc["audience"] = urls.quarter(quarter.slug)
    return doc


def announcement_to_note(
    urls: Urls, announcement: Announcement, author_handle: str
) -> dict[str, Any]:
    """A quarter announcement as a Note (the title in bold, then the body)."""
    url = urls.absolute(f"/announcements/{announcement.id}")
    content = f"<p><strong>{escape(announcement.title)}</strong></p>{announcement.body_html}"
    note = {
        "@context": AS_CONTEXT,
        "id": url,
        "type": "Note",
        "url": url,
        "attributedTo": urls.actor(author_handle),
        "name": announcement.title,
        "content": content,
        "mediaType": "text/html",
        "published": iso(announcement.created_at),
    }
    if announcement.language:
        note["contentMap"] = {announcement.language: content}
    return note


def comment_to_note(
    urls: Urls,
    comment: Comment,
    author_handle: str,
    in_reply_to: str,
    parent_author: tuple[str, str],
    to: list[str],
    cc: list[str],
) -> dict[str, Any]:
    """A resident's comment as a reply Note; `parent_author` is (actor URI, @handle) for the Mention.

    Mastodon notifies the replied-to author only through a Mention tag addressed to them.
    """
    url = urls.comment(comment.id)
    return {
        "@context": AS_CONTEXT,
        "id": url,
        "type": "Note",
        "url": url,
        "attributedTo": urls.actor(author_handle),
        "inReplyTo": in_reply_to,
        "content": comment.content_html,
        "mediaType": "text/html",
        "published": iso(comment.created_at),
        "to": to,
        "cc": cc,
        "tag": [{"type": "Mention", "href": parent_author[0], "name": parent_author[1]}],
    }
