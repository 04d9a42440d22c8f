"""Create / Update / Delete of Notes, listings, Events and replies (→ Listing, Event, Comment)."""

from __future__ import annotations

import dataclasses
from typing import Any

from node.activitypub import arrivals, embedded, from_as
from node.activitypub.actors import author_of
from node.activitypub.audience import host_of
from node.activitypub.embedded import check_owner
from node.activitypub.from_as import Unacceptable
from node.activitypub.resolve import local_target
from node.activitypub.vocab import get_id, same_origin
from node.local import comments
from node.local.events import write as events
from node.local.events.models import Event
from node.local.listings import remote as remote_listings
from node.local.listings.models import Listing
from node.local.models import Comment, Resident
from node.local.remote_drafts import Arrival
from node.local.tx import Tx
from node.runtime import Node


def _may_change(model: Any, row: Any, sender: str, obj: dict | None) -> bool:
    """Only the author of a stored object (or its event's Group, on the Group's origin) changes it.

    Mastodon's Update/Delete look the status up by uri *and* account; same origin is not enough.
    """
    owner_id = row.organiser_id if model is Event else row.author_id
    owner = Resident.select(Resident.external_ref).where(Resident.id == owner_id).scalar()
    if owner == sender:
        return True
    group = getattr(row, "group_ref", "")
    if not group:
        return False
    if sender == group:
        return True
    if obj is None:  # a Delete naming the id only: group membership is not ours to check
        return same_origin(sender, group)
    return group in embedded.owners(obj) and same_origin(sender, group)


def _owner_id(model: Any, ref: str, sender: str, obj: dict) -> int | None:
    """The stored object's owner (only they, or its Group, change it); None for a new one."""
    row = model.get_or_none(model.external_ref == ref)
    if row is None:
        return None
    if not _may_change(model, row, sender, obj):
        raise Unacceptable("update of an object by someone who is not its author")
    return row.organiser_id if model is Event else row.author_id


def _reply_target(node: Node, parent: str) -> tuple[str, int] | None:
    """Our listing/event, or a remote one we keep, or the thing a known comment replies to."""
    local = local_target(node, parent)
    if local is not None:
        model = Listing if local[0] == "listing" else Event
        return local if model.get_or_none(model.id == local[1]) is not None else None
    for kind, model in (("listing", Listing), ("event", Event)):
        row = model.get_or_none(model.external_ref == parent)
        if row is not None:
            return kind, row.id
    comment = Comment.get_or_none(Comment.external_ref == parent)
    return (comment.target_type, comment.target_id) if comment is not None else None


def _save_reply(tx: Tx, node: Node, sender: str, obj: dict) -> str | None:
    reply = from_as.as_to_reply(obj)
    target = _reply_target(node, reply.in_reply_to)
    if target is None:
        return "reply to something we do not know"
    existing = Comment.get_or_none(Comment.external_ref == reply.ref)
    if existing is not None and not _may_change(Comment, existing, sender, obj):
        raise Unacceptable("update of a reply by someone who is not its author")
    author_id = existing.author_id if existing is not None else author_of(sender).id
    comments.receive_remote(tx, author_id, reply, target[0], target[1])
    return None


def _elsewhere(node: Node, url: str, ref: str) -> str:
    """A remote object's page is on another server: a url pointing at us is replaced by its id."""
    return ref if node.urls.is_local(url) else url


def _arrival(node: Node, model: Any, ref: str, obj: dict) -> Arrival:
    """Reach on arrival and the object's history (issue #5): node/activitypub/arrivals.py."""
    arrivals.check_fresh(model, ref, obj)
    place = arrivals.placement(node, obj)
    quarter = place["quarter"]
    return Arrival(
        reach=place["reach"],
        quarter_id=quarter.id if quarter is not None else None,
        origin=host_of(ref),
        remote_updated=arrivals.updated_of(obj),
    )


def _save_listing(tx: Tx, node: Node, sender: str, obj: dict) -> str | None:
    draft = from_as.as_to_listing(obj)
    owner_id = _owner_id(Listing, draft.ref, sender, obj)
    try:
        arrival = _arrival(node, Listing, draft.ref, obj)
    except arrivals.Dropped as exc:
        return exc.reason
    draft = dataclasses.replace(draft, url=_elsewhere(node, draft.url, draft.ref))
    listing_id = remote_listings.receive_remote(
        tx, owner_id or author_of(sender).id, draft, arrival
    )
    arrivals.photos(listing_id, obj)
    return None


def _save_event(tx: Tx, node: Node, sender: str, obj: dict) -> str | None:
    draft = from_as.as_to_event(obj)
    owner_id = _owner_id(Event, draft.ref, sender, obj)
    try:
        arrival = _arrival(node, Event, draft.ref, obj)
    except arrivals.Dropped as exc:
        return exc.reason
    draft = dataclasses.replace(draft, url=_elsewhere(node, draft.url, draft.ref))
    events.receive_remote(tx, owner_id or author_of(sender).id, draft, arrival)
    return None


def on_create_note(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    """Replies become comments; Notes with FEP-0837 `purpose` become remote listings."""
    obj = activity["object"]
    check_owner(sender, obj)
    if obj.get("inReplyTo"):
        return _save_reply(tx, node, sender, obj)
    if from_as.is_listing(obj):
        return _save_listing(tx, node, sender, obj)
    return "a Note that is neither a listing nor a reply to one of ours"


def keep_fetched(tx: Tx, node: Node, author: str, doc: dict) -> str | None:
    """A listing or event fetched from its author's server (a resident looked it up): kept as if
    its author had sent a Create; returns why not when it is not kept."""
    activity = {"id": doc["id"], "type": "Create", "actor": author, "object": doc}
    if doc.get("type") == "Event":
        return on_create_event(tx, node, author, activity)
    return on_create_note(tx, node, author, activity)


def on_create_event(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    check_owner(sender, activity["object"])
    return _save_event(tx, node, sender, activity["object"])


def on_update_note(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    obj = activity["object"]
    check_owner(sender, obj)
    if Comment.get_or_none(Comment.external_ref == obj.get("id")) is not None or obj.get(
        "inReplyTo"
    ):
        return _save_reply(tx, node, sender, obj)
    if from_as.is_listing(obj):
        return _save_listing(tx, node, sender, obj)
    return "update of an unknown Note"


def on_update_event(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    return on_create_event(tx, node, sender, activity)


def on_delete(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    """Delete of an object (Tombstone or id) by its owner (the actor itself: resolve "actor")."""
    ref = get_id(activity.get("object"))
    if not same_origin(ref, sender):
        raise Unacceptable("delete of an object from another origin")
    obj = activity.get("object") if isinstance(activity.get("object"), dict) else None
    obj = obj if obj is not None and embedded.owners(obj) else None  # a Tombstone names nobody
    rows = [(m, m.get_or_none(m.external_ref == ref)) for m in (Listing, Event, Comment)]
    rows = [(m, row) for m, row in rows if row is not None]
    if any(not _may_change(m, row, sender, obj) for m, row in rows):
        raise Unacceptable("delete of an object by someone who is not its author")
    arrivals.bury(ref)  # a late Create or Update of it must not bring it back
    forget = {
        Listing: remote_listings.forget_remote,
        Event: events.forget_remote,
        Comment: comments.forget_remote,
    }
    for model, row in rows:
        forget[model](row.id)
    return None if rows else "delete of something we do not keep"
