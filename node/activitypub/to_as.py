"""Domain rows → ActivityStreams dicts (actors, listings, events, activity wrappers); pure."""

from __future__ import annotations

import datetime as dt
import hashlib
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from node.activitypub.contexts import ACTOR_CONTEXT, EVENT_CONTEXT, LISTING_CONTEXT
from node.activitypub.vocab import AS_CONTEXT, PUBLIC
from node.local.geo import coarsen
from node.urls import Urls

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


def iso(moment: dt.datetime | None) -> str | None:
    """Naive UTC → RFC 3339 with Z."""
    if moment is None:
        return None
    return moment.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def _public_key(urls: Urls, handle: str, public_pem: str) -> dict[str, Any]:
    actor = urls.actor(handle)
    return {"id": urls.key(handle), "owner": actor, "publicKeyPem": public_pem}


def _actor(urls: Urls, handle: str, kind: str, name: str, summary: str, pem: str) -> dict:
    actor = urls.actor(handle)
    return {
        "@context": ACTOR_CONTEXT,
        "id": actor,
        "type": kind,
        "preferredUsername": handle,
        "name": name,
        "summary": summary,
        "url": actor,
        "inbox": urls.inbox(handle),
        "outbox": urls.outbox(handle),
        "followers": urls.followers(handle),
        "following": urls.following(handle),
        "endpoints": {"sharedInbox": urls.shared_inbox()},
        "manuallyApprovesFollowers": False,
        "discoverable": True,
        "webfinger": f"{handle}@{urls.host}",  # FEP-2c59
        "publicKey": _public_key(urls, handle, pem),
    }


def resident_to_actor(urls: Urls, resident: Any, public_pem: str) -> dict[str, Any]:
    """A local resident as a Person (no address, no position: those never leave the node)."""
    doc = _actor(urls, resident.username, "Person", resident.name, escape(resident.bio), public_pem)
    if resident.avatar:
        doc["icon"] = {"type": "Image", "url": urls.media(resident.avatar)}
    if resident.created_at:
        doc["published"] = iso(resident.created_at)
    return doc


def quarter_to_group(urls: Urls, quarter: Any, public_pem: str) -> dict[str, Any]:
    """A quarter as a FEP-1b12 Group that Mastodon, Lemmy and Mobilizon can follow."""
    doc = _actor(urls, quarter.slug, "Group", quarter.name, escape(quarter.description), public_pem)
    doc["manuallyApprovesFollowers"] = bool(quarter.approve_follows)
    if quarter.country:
        doc["country"] = quarter.country  # qr:country, shown as the origin of its items
    if quarter.center_lat is not None and quarter.center_lon is not None:
        doc["location"] = {
            "type": "Place",
            "name": quarter.name,
            "latitude": float(quarter.center_lat),
            "longitude": float(quarter.center_lon),
        }
    return doc


def organisation_to_actor(urls: Urls, organisation: Any, public_pem: str) -> dict[str, Any]:
    """An organisation as an Organization (Mastodon, Mobilizon and Lemmy accept the type)."""
    doc = _actor(
        urls,
        organisation.handle,
        "Organization",
        organisation.name,
        escape(organisation.description),
        public_pem,
    )
    if organisation.website:
        doc["url"] = organisation.website
    return doc


def instance_actor(urls: Urls, node_name: str, public_pem: str) -> dict[str, Any]:
    """The server's Application actor (FEP-2677), fetchable unsigned; it signs our fetches."""
    actor = urls.instance_actor()
    return {
        "@context": ACTOR_CONTEXT,
        "id": actor,
        "type": "Application",
        "preferredUsername": urls.host.split(":")[0],
        "name": node_name,
        "url": urls.base + "/",
        "inbox": actor + "/inbox",
        "outbox": actor + "/outbox",
        "endpoints": {"sharedInbox": urls.shared_inbox()},
        "manuallyApprovesFollowers": True,
        "discoverable": False,
        "publicKey": {"id": actor + "#main-key", "owner": actor, "publicKeyPem": public_pem},
    }


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


def _price_text(listing: Any) -> str:
    if listing.price is None:
        return ""
    unit = {"hour": " / hour", "day": " / day", "once": ""}.get(listing.price_unit, "")
    return f"{listing.price} {listing.currency}{unit}"


def listing_to_note(
    urls: Urls, listing: Any, author_handle: str, quarter: Any | None
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
    urls: Urls, event: Any, organiser_handle: str, quarter: Any | None, going: int
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


def announcement_to_note(urls: Urls, announcement: Any, author_handle: str) -> dict[str, Any]:
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
    comment: Any,
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


def iso_precise(moment: dt.datetime | None) -> str | None:
    """Naive UTC → RFC 3339 with microseconds: receivers order versions of one object by it."""
    if moment is None:
        return None
    return moment.replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def activity_id(urls: Urls, *parts: Any) -> str:
    """A stable, unique id for an activity we emit (hash of what it is about and when)."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:24]
    return urls.activity(digest)


def _wrap(kind: str, urls: Urls, actor: str, obj: Any, to: list, cc: list, stamp: Any) -> dict:
    context = obj.get("@context", AS_CONTEXT) if isinstance(obj, dict) else AS_CONTEXT
    inner = obj
    if isinstance(obj, dict):
        inner = {k: v for k, v in obj.items() if k != "@context"}
        inner.setdefault("to", to)
        inner.setdefault("cc", cc)
    obj_id = obj.get("id") if isinstance(obj, dict) else obj
    return {
        "@context": context,
        "id": activity_id(urls, kind, actor, obj_id, stamp),
        "type": kind,
        "actor": actor,
        "to": to,
        "cc": cc,
        "object": inner,
    }


def wrap_create(urls: Urls, actor: str, obj: dict, to: list, cc: list, stamp: Any = "") -> dict:
    activity = _wrap("Create", urls, actor, obj, to, cc, stamp)
    activity["published"] = obj.get("published")
    return activity


def wrap_update(urls: Urls, actor: str, obj: dict, to: list, cc: list, stamp: Any = "") -> dict:
    return _wrap("Update", urls, actor, obj, to, cc, stamp)


def wrap_delete(urls: Urls, actor: str, obj_id: str, to: list, cc: list, stamp: Any = "") -> dict:
    """Delete with a Tombstone (Mastodon and Lemmy read the object's id from it)."""
    tomb = {"id": obj_id, "type": "Tombstone"}
    return _wrap("Delete", urls, actor, tomb, to, cc, stamp)


def announce(urls: Urls, group: str, obj: Any, followers: str, stamp: Any = "") -> dict:
    """A group Announce: of an activity (FEP-1b12) or of an object (what Mastodon shows)."""
    inner = {k: v for k, v in obj.items() if k != "@context"} if isinstance(obj, dict) else obj
    obj_id = obj.get("id") if isinstance(obj, dict) else obj
    return {
        "@context": AS_CONTEXT,
        "id": activity_id(urls, "Announce", group, obj_id, stamp),
        "type": "Announce",
        "actor": group,
        "to": [PUBLIC],
        "cc": [followers],
        "object": inner,
    }


def accept(urls: Urls, actor: str, follow: dict) -> dict:
    """Accept of a Follow with the Follow embedded (what Mastodon and Mobilizon expect)."""
    return {
        "@context": AS_CONTEXT,
        "id": activity_id(urls, "Accept", actor, follow.get("id")),
        "type": "Accept",
        "actor": actor,
        "to": [follow.get("actor")],
        "object": {k: v for k, v in follow.items() if k != "@context"},
    }


def reject(urls: Urls, actor: str, follow: dict) -> dict:
    doc = accept(urls, actor, follow)
    doc["type"] = "Reject"
    doc["id"] = activity_id(urls, "Reject", actor, follow.get("id"))
    return doc


def follow(urls: Urls, actor: str, target: str, stamp: Any) -> dict:
    return {
        "@context": AS_CONTEXT,
        "id": activity_id(urls, "Follow", actor, target, stamp),
        "type": "Follow",
        "actor": actor,
        "object": target,
        "to": [target],
    }


def undo(urls: Urls, actor: str, inner: dict, stamp: Any) -> dict:
    return {
        "@context": AS_CONTEXT,
        "id": activity_id(urls, "Undo", actor, inner.get("id"), stamp),
        "type": "Undo",
        "actor": actor,
        "to": inner.get("to", []),
        "object": {k: v for k, v in inner.items() if k != "@context"},
    }
