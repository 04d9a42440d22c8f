"""Twinning over ActivityPub: a Group's Follow marked `qr:twinning`, Accept/Reject, follow back.

A's Group sends Follow{twinning} to B's Group → B's moderators decide → B sends Accept (or Reject)
and its Group follows A's Group back with the same mark → A accepts that follow automatically
because it answers its own request. Both sides then hold an accepted Twin.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from node.activitypub import actors, as_activities
from node.activitypub.contexts import QUARTIER_NS
from node.activitypub.models import Follower, Following, RemoteActor
from node.activitypub.vocab import AS_CONTEXT, as_list, get_id
from node.local import twins
from node.local.models import Quarter
from node.local.tx import Change
from node.runtime import Node

TWINNING = QUARTIER_NS + "twinning"
FOLLOW_CONTEXT = [AS_CONTEXT, {"qr": QUARTIER_NS, "twinning": "qr:twinning"}]


def is_twinning(activity: dict[str, Any]) -> bool:
    return bool(activity.get("twinning") or activity.get(TWINNING) or activity.get("qr:twinning"))


def twinning_follow(node: Node, quarter: Quarter, target: str, stamp: Any) -> dict[str, Any]:
    """A Follow from our quarter's Group marked as a twinning request (with where it is)."""
    activity = as_activities.follow(node.urls, node.urls.quarter(quarter.slug), target, stamp)
    activity["@context"] = FOLLOW_CONTEXT
    mark: dict[str, Any] = {"name": quarter.name, "country": quarter.country}
    if quarter.center_lat is not None and quarter.center_lon is not None:
        mark.update(latitude=float(quarter.center_lat), longitude=float(quarter.center_lon))
    activity["twinning"] = mark
    return activity


def remote_quarter(doc_or_row: Any, mark: dict | None = None) -> twins.RemoteQuarter:
    """A RemoteQuarter from a Group document (dict) or a cached RemoteActor row."""
    mark = mark if isinstance(mark, dict) else {}
    if isinstance(doc_or_row, dict):
        uri = doc_or_row["id"]
        username = str(doc_or_row.get("preferredUsername") or "")
        name = str(doc_or_row.get("name") or username)
        country = str(doc_or_row.get("country") or "")
        place = doc_or_row.get("location") if isinstance(doc_or_row.get("location"), dict) else {}
    else:
        uri, username, name = doc_or_row.uri, doc_or_row.preferred_username, doc_or_row.name
        country, place = "", {}
    host = urlsplit(uri).netloc.lower()
    lat = mark.get("latitude", place.get("latitude"))
    lon = mark.get("longitude", place.get("longitude"))
    return twins.RemoteQuarter(
        actor_uri=uri,
        handle=f"@{username}@{host}" if username else uri,
        name=str(mark.get("name") or name),
        host=host,
        country=str(mark.get("country") or country)[:2].upper(),
        lat=float(lat) if isinstance(lat, int | float) else None,
        lon=float(lon) if isinstance(lon, int | float) else None,
    )


# ---------------------------------------------------------------- builders (outbox.BUILDERS)


def _follow_out(
    node: Node, quarter: Quarter, twin: twins.Twin, now: dt.datetime
) -> tuple[dict, str]:
    """Our Group's twinning Follow, with the Following row that lets the Accept be matched."""
    activity = twinning_follow(node, quarter, twin.actor_uri, f"twin-{twin.id}-{now.isoformat()}")
    row = Following.get_or_none(
        (Following.handle == quarter.slug) & (Following.actor_uri == twin.actor_uri)
    )
    if row is None:
        Following.create(handle=quarter.slug, actor_uri=twin.actor_uri, activity_id=activity["id"])
    else:
        Following.update(state="pending", activity_id=activity["id"]).where(
            Following.id == row.id
        ).execute()
    remote = RemoteActor.get_or_none(RemoteActor.uri == twin.actor_uri)
    return activity, (remote.inbox if remote else "")


def build_requested(
    node: Node, change: Change, now: dt.datetime
) -> Iterator[tuple[str, dict, list[str]]]:
    twin = twins.Twin.get_by_id(change.twin_id)
    quarter = Quarter.get_by_id(twin.quarter_id)
    activity, inbox = _follow_out(node, quarter, twin, now)
    twins.remember_follow(twin.id, activity["id"])
    yield quarter.slug, activity, [inbox]


def _their_follow(node: Node, quarter: Quarter, twin: twins.Twin) -> dict[str, Any]:
    return {
        "id": twin.follow_id,
        "type": "Follow",
        "actor": twin.actor_uri,
        "object": node.urls.quarter(quarter.slug),
    }


def build_decided(accepted: bool):
    def build(
        node: Node, change: Change, now: dt.datetime
    ) -> Iterator[tuple[str, dict, list[str]]]:
        twin = twins.Twin.get_by_id(change.twin_id)
        quarter = Quarter.get_by_id(twin.quarter_id)
        remote = RemoteActor.get_or_none(RemoteActor.uri == twin.actor_uri)
        if remote is None:
            return
        me = node.urls.quarter(quarter.slug)
        follow = _their_follow(node, quarter, twin)
        where = (Follower.handle == quarter.slug) & (Follower.actor_uri == twin.actor_uri)
        if not accepted:
            Follower.delete().where(where).execute()
            yield quarter.slug, as_activities.reject(node.urls, me, follow), [remote.inbox]
            return
        Follower.update(state="accepted").where(where).execute()
        yield quarter.slug, as_activities.accept(node.urls, me, follow), [remote.inbox]
        back, inbox = _follow_out(node, quarter, twin, now)
        twins.remember_follow(twin.id, back["id"], back=True)
        yield quarter.slug, back, [inbox]

    return build


def build_ended(
    node: Node, change: Change, now: dt.datetime
) -> Iterator[tuple[str, dict, list[str]]]:
    """Our Group undoes its Follow of the twin's Group; both follow directions end here."""
    twin = twins.Twin.get_by_id(change.twin_id)
    quarter = Quarter.get_by_id(twin.quarter_id)
    me = node.urls.quarter(quarter.slug)
    Follower.delete().where(
        (Follower.handle == quarter.slug) & (Follower.actor_uri == twin.actor_uri)
    ).execute()
    ours = Following.get_or_none(
        (Following.handle == quarter.slug) & (Following.actor_uri == twin.actor_uri)
    )
    follow_id = (ours.activity_id if ours else "") or twin.back_follow_id or twin.follow_id
    if ours is not None:
        ours.delete_instance()
    remote = RemoteActor.get_or_none(RemoteActor.uri == twin.actor_uri)
    if remote is None:
        return
    follow = {
        "id": follow_id,
        "type": "Follow",
        "actor": me,
        "object": twin.actor_uri,
        "to": [twin.actor_uri],
    }
    activity = as_activities.undo(node.urls, me, follow, f"twin-end-{twin.id}-{now.isoformat()}")
    yield quarter.slug, activity, [remote.inbox]


# ---------------------------------------------------------------- who receives `twins` items


def twin_rows(quarter: Any) -> list[twins.Twin]:
    if quarter is None or getattr(quarter, "external_ref", None):
        return []
    return list(
        twins.Twin.select().where(
            (twins.Twin.quarter == quarter.id) & (twins.Twin.state == "accepted")
        )
    )


def twin_actor_uris(quarter: Any) -> list[str]:
    return [t.actor_uri for t in twin_rows(quarter)]


def twin_inboxes(quarter: Any) -> list[str]:
    """The (shared) inboxes of the quarter's accepted twins."""
    uris = twin_actor_uris(quarter)
    if not uris:
        return []
    rows = RemoteActor.select().where(RemoteActor.uri.in_(uris) & (RemoteActor.gone == False))  # noqa: E712
    return [r.delivery_inbox for r in rows]


def addressed_local_quarters(node: Node, obj: dict[str, Any]) -> list[int]:
    """Our local quarters whose Group is among an object's `to`/`cc`/`audience`."""
    slugs = []
    for ref in as_list(obj.get("to")) + as_list(obj.get("cc")) + as_list(obj.get("audience")):
        handle = actors.local_handle(node, get_id(ref) or "")
        if handle:
            slugs.append(handle)
    if not slugs:
        return []
    rows = Quarter.select(Quarter.id).where(
        Quarter.slug.in_(slugs) & Quarter.external_ref.is_null()
    )
    return [r.id for r in rows]
