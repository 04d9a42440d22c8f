"""ActivityStreams activity wrappers: Create/Update/Delete, Announce, Accept/Reject, Follow, Undo; pure."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from node.activitypub.vocab import AS_CONTEXT, PUBLIC
from node.urls import Urls


def iso(moment: dt.datetime | None) -> str | None:
    """Naive UTC → RFC 3339 with Z."""
    if moment is None:
        return None
    return moment.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


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
