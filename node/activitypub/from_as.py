"""ActivityStreams dicts → plain drafts for remote listings, events and comments; pure."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from html import unescape
from typing import Any

from node.activitypub.vocab import as_list, first, get_id, is_public
from node.local import inputs
from node.local.listings.models import LISTING_TYPES
from node.local.remote_drafts import RemoteEvent, RemoteListing, RemoteReply
from node.local.text import html_to_text, sanitize_html, web_url


class Unacceptable(Exception):
    """An incoming object we will not take, with the reason (kept on the InboxItem)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def page_url(obj: dict[str, Any], ref: str) -> str:
    """The object's web page: the first http(s) `url` (a string or a Link), else its id.

    Only http(s) URLs are kept (issue #8: a `javascript:` url was rendered as a link).
    """
    for item in as_list(obj.get("url")):
        candidate = (item.get("href") or item.get("id")) if isinstance(item, dict) else item
        if len(str(candidate)) <= 500 and web_url(candidate):
            return candidate
    return web_url(ref)[:500]


def _content(obj: dict[str, Any]) -> tuple[str, str]:
    """(sanitised HTML, language) from content or the first contentMap entry."""
    content = obj.get("content")
    language = ""
    cmap = obj.get("contentMap")
    if isinstance(cmap, dict) and cmap:
        language, mapped = next(iter(cmap.items()))
        if not isinstance(content, str):
            content = mapped
    if not isinstance(content, str):
        content = ""
    return sanitize_html(content, remote=True), str(language)[:8]


def _float(value: Any) -> float | None:
    try:
        return float(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _place(obj: dict[str, Any]) -> dict[str, Any]:
    place = first(obj.get("location"))
    return place if isinstance(place, dict) else {}


def is_listing(obj: dict[str, Any]) -> bool:
    """A Note carrying FEP-0837 `purpose` (or our listingType) is a listing, not a reply."""
    return obj.get("purpose") in ("offer", "request") or "listingType" in obj


_FALLBACK_TITLE = re.compile(r"^\s*<p><strong>(?P<title>[^<]*)</strong></p>")
_FALLBACK_FACTS = re.compile(r"^\s*<p>[^<]* · [^<]* · [^<]*</p>")
_FALLBACK_LINK = re.compile(r'<p><a href="(?P<href>[^"]+)"[^>]*>(?P<text>[^<]+)</a></p>\s*$')


def without_fallback(html: str, title: str, urls: tuple[str, ...]) -> str:
    """The description alone, from content shaped for Mastodon by a node like ours (as_objects.
    listing_to_note): a bold title, a "Offer · Loan · diy" line, the description, then the
    listing's own link. Only when the object carries our structured fields (listingType)."""
    head = _FALLBACK_TITLE.match(html)
    if head is None or unescape(head["title"]).strip() != title.strip():
        return html
    body = html[head.end() :]
    facts = _FALLBACK_FACTS.match(body)
    if facts is not None:
        body = body[facts.end() :]
    link = _FALLBACK_LINK.search(body)
    if link is not None and unescape(link["href"]) == unescape(link["text"]) in urls:
        body = body[: link.start()]
    return body.strip()


def as_to_listing(obj: dict[str, Any]) -> RemoteListing:
    ref = get_id(obj)
    if not ref:
        raise Unacceptable("listing without id")
    html, language = _content(obj)
    title = obj.get("name") if isinstance(obj.get("name"), str) else ""
    if not title:
        title = html_to_text(html).split("\n", 1)[0][:200] or "…"
    kind = obj.get("purpose") if obj.get("purpose") in ("offer", "request") else "offer"
    ltype = obj.get("listingType")
    if ltype not in LISTING_TYPES:
        ltype = "paid" if obj.get("reciprocal") else "gift"
    price = None
    if obj.get("price") is not None:
        try:
            price = Decimal(str(obj["price"]))
        except InvalidOperation:
            price = None
    place = _place(obj)
    if obj.get("listingType") in LISTING_TYPES and isinstance(obj.get("name"), str):
        html = without_fallback(html, title, (page_url(obj, ref), ref))  # our structured fields
    return RemoteListing(
        ref=ref,
        url=page_url(obj, ref),
        kind=kind,
        type=ltype,
        title=title[:200],
        description_html=html,
        category=str(obj.get("listingCategory") or "other")[:40],
        price=price,
        currency=str(obj.get("currency") or "EUR")[:3],
        lat=_float(place.get("latitude")),
        lon=_float(place.get("longitude")),
        language=language,
        public=is_public(obj.get("to")) or is_public(obj.get("cc")),
    )


def _time(value: Any, field: str) -> dt.datetime:
    if not isinstance(value, str):
        raise Unacceptable(f"event without {field}")
    try:
        moment = inputs.parse_datetime(value.replace("Z", "+00:00"))  # years bounded
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    except (ValueError, OverflowError) as exc:
        raise Unacceptable(f"event {field} is not an ISO 8601 time in range") from exc
    return moment


_STATUS = {"CONFIRMED": "confirmed", "TENTATIVE": "tentative", "CANCELLED": "cancelled"}


def as_to_event(obj: dict[str, Any]) -> RemoteEvent:
    """A Mobilizon/FEP-8a8e Event (status, else ical:status, else CONFIRMED, as Mobilizon reads)."""
    ref = get_id(obj)
    if not ref or obj.get("type") != "Event":
        raise Unacceptable("not an Event")
    starts = _time(obj.get("startTime"), "startTime")
    ends = _time(obj.get("endTime"), "endTime") if obj.get("endTime") else starts
    if ends < starts:
        raise Unacceptable("event ends before it starts")
    html, language = _content(obj)
    if not language and isinstance(obj.get("inLanguage"), str):
        language = obj["inLanguage"][:8]  # Mobilizon's sc:inLanguage
    place = _place(obj)
    address = place.get("address")
    if isinstance(address, str):
        address = {"streetAddress": address}
    if not isinstance(address, dict):
        address = {}
    status = obj.get("status") or obj.get("ical:status") or "CONFIRMED"
    capacity = obj.get("maximumAttendeeCapacity")
    count = obj.get("participantCount")
    waiting = obj.get("waitingCount")
    return RemoteEvent(
        ref=ref,
        url=page_url(obj, ref),
        title=str(obj.get("name") or "…")[:200],
        description_html=html,
        starts_at=starts,
        ends_at=ends,
        timezone=str(obj.get("timezone") or "UTC")[:64],
        place_name=str(place.get("name") or "")[:200],
        street=str(address.get("streetAddress") or "")[:200],
        postcode=str(address.get("postalCode") or "")[:16],
        city=str(address.get("addressLocality") or "")[:120],
        country=str(address.get("addressCountry") or "")[:2],
        lat=_float(place.get("latitude")),
        lon=_float(place.get("longitude")),
        capacity=capacity if isinstance(capacity, int) and capacity > 0 else 0,
        join_mode="approval" if obj.get("joinMode") in ("restricted", "invite") else "free",
        status=_STATUS.get(str(status).upper(), "confirmed"),
        category=str(first(obj.get("category")) or "MEETING").upper()[:40],
        participant_count=count if isinstance(count, int) and 0 <= count < 10**6 else 0,
        waiting_count=waiting if isinstance(waiting, int) and 0 <= waiting < 10**6 else 0,
        public=is_public(obj.get("to")) or is_public(obj.get("cc")),
        language=language,
        group_ref=str(get_id(first(obj.get("attributedTo"))) or "")[:500],
    )


def as_to_reply(obj: dict[str, Any]) -> RemoteReply:
    """A reply (Note/Page/Article with inReplyTo) → a comment draft."""
    ref = get_id(obj)
    parent = get_id(first(obj.get("inReplyTo")))
    if not ref or not parent:
        raise Unacceptable("not a reply")
    html, _lang = _content(obj)
    if not html.strip():
        raise Unacceptable("empty reply")
    return RemoteReply(ref=ref, in_reply_to=parent, content_html=html)


def object_ids(activity: dict[str, Any]) -> list[str]:
    """Ids of the objects a Flag (or similar) points at."""
    return [i for i in (get_id(o) for o in as_list(activity.get("object"))) if i]


_LEADING_MENTIONS = re.compile(r"^(?:\s*@[\w.\-]+(?:@[\w.\-:]+)?)+\s*")


def note_text(obj: dict[str, Any]) -> str:
    """A direct Note's plain text, without the leading mentions Mastodon starts DMs with."""
    content = obj.get("content")
    if not isinstance(content, str):
        cmap = obj.get("contentMap")
        content = next(iter(cmap.values()), "") if isinstance(cmap, dict) and cmap else ""
    text = html_to_text(sanitize_html(content if isinstance(content, str) else ""))
    return _LEADING_MENTIONS.sub("", text).strip()
