"""Remote listings and events on arrival: where they belong, who sees them, and their history.

Deliveries of one object may arrive out of order (retries, several workers): an item carries its
origin's `updated`, older versions are ignored, and a deleted id is remembered as a tombstone so a
late Create or Update never brings it back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import peewee as pw

from node.activitypub import twinning
from node.activitypub.models import RemoteActor
from node.activitypub.vocab import PUBLIC, as_list, get_id, same_origin
from node.db import BaseModel
from node.local import twins
from node.local.listings import photos as listing_photos
from node.local.models import Quarter, utcnow
from node.local.text import web_url
from node.runtime import Node

PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")
MAX_PHOTOS = 6


class RemoteTombstone(BaseModel):
    """The id of a remote object that was deleted (late copies of it are dropped)."""

    ref = pw.CharField(max_length=500, unique=True)
    deleted_at = pw.DateTimeField(default=utcnow)


class Dropped(Exception):
    """This copy must not be kept (older than ours, deleted already, or not for us)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def updated_of(obj: dict[str, Any]) -> str:
    """The object's `updated` (or `published`) as a sortable UTC stamp with microseconds; "" if none."""
    value = obj.get("updated") or obj.get("published") or ""
    if not isinstance(value, str):
        return ""
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):  # year 1 at +14:00 has no UTC
        return ""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def check_fresh(model: Any, ref: str, obj: dict[str, Any]) -> None:
    """Refuse a copy of a deleted object, or one older than the copy we keep."""
    if RemoteTombstone.select().where(RemoteTombstone.ref == ref).exists():
        raise Dropped("the object was deleted already")
    row = model.get_or_none(model.external_ref == ref)
    incoming = updated_of(obj)
    # normalised stamps (updated_of) compare as strings
    if row is not None and row.remote_updated and incoming and incoming < row.remote_updated:
        raise Dropped("an older version than the one we keep")


def bury(ref: str) -> None:
    RemoteTombstone.insert(ref=ref).on_conflict_ignore().execute()


def origin_quarter(obj: dict[str, Any]) -> Quarter | None:
    """The Quarter stub of the object's `audience` (the Group of its quarter), made on need."""
    audience = obj.get("audience")
    uri = get_id(audience[0] if isinstance(audience, list) and audience else audience)
    if not uri or not same_origin(uri, get_id(obj)):
        return None  # a server only places its own objects in its own quarters (FEP-fe34)
    row = Quarter.get_or_none(Quarter.external_ref == uri)
    if row is not None:
        return row
    remote = RemoteActor.get_or_none(RemoteActor.uri == uri)
    if remote is None or remote.type != "Group":
        return None
    return twins.quarter_stub(twinning.remote_quarter(remote))


def placement(node: Node, obj: dict[str, Any]) -> dict[str, Any]:
    """reach and quarter of a remote item: public, or twins when addressed to our twins only."""
    quarter = origin_quarter(obj)
    addressed = as_list(obj.get("to")) + as_list(obj.get("cc"))
    if PUBLIC in addressed or "as:Public" in addressed or "Public" in addressed:
        return {"reach": "public", "quarter": quarter}
    ours = twinning.addressed_local_quarters(node, {"to": obj.get("to"), "cc": obj.get("cc")})
    twinned = set(twins.local_twins_of(quarter.external_ref)) if quarter is not None else set()
    if not ours or not (set(ours) & twinned):
        raise Dropped("a non-public item not addressed to a twin of its quarter")
    return {"reach": "twins", "quarter": quarter}


def photos(listing_id: int, obj: dict[str, Any]) -> None:
    """Queue the listing's attached images; the `remote_photos` step fetches them later."""
    wanted = []
    for item in as_list(obj.get("attachment"))[:MAX_PHOTOS]:
        if not isinstance(item, dict):
            continue
        url = get_id(item.get("url")) if not isinstance(item.get("url"), str) else item["url"]
        url = web_url(url)  # only http(s) images are fetched or ever shown
        media = str(item.get("mediaType") or "")
        if (
            item.get("type") in ("Image", "Document")
            and url
            and (not media or media in PHOTO_TYPES)
        ):
            alt = item.get("name") or item.get("summary") or ""
            wanted.append((url, str(alt)[:300]))
    listing_photos.receive_remote(listing_id, wanted)
