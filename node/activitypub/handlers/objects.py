"""Create / Update / Delete of Notes, listings, Events and replies (→ Listing, Event, Comment)."""

from __future__ import annotations

import re
from typing import Any

from node.activitypub import actors, arrivals, embedded, from_as
from node.activitypub.audience import host_of
from node.activitypub.from_as import Unacceptable
from node.activitypub.models import RemoteActor
from node.activitypub.vocab import get_id, same_origin
from node.local.models import Resident, utcnow
from node.local.sharing_models import Comment, Event, Listing
from node.runtime import Node


def author_of(sender: str) -> Resident:
    """The Resident stub of the sending actor (its document was cached before the transaction)."""
    remote = RemoteActor.get_or_none(RemoteActor.uri == sender)
    if remote is None:
        raise actors.FetchFailed(f"actor {sender} could not be fetched")
    return actors.remote_resident(remote)


def check_owner(sender: str, obj: dict) -> None:
    """FEP-fe34: the creator is the owner; an object attributed to someone else is refused.

    Mobilizon names the organiser as the Event's `actor` and its Group as `attributedTo`:
    either may send it.
    """
    named = embedded.owners(obj)
    if named and sender not in named:
        raise Unacceptable("the object is attributed to someone other than the sender")


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


def _check_author(model: Any, ref: str, sender: str, obj: dict) -> None:
    row = model.get_or_none(model.external_ref == ref)
    if row is not None and not _may_change(model, row, sender, obj):
        raise Unacceptable("update of an object by someone who is not its author")


def _local_target(node: Node, url: str) -> tuple[str, int] | None:
    match = re.fullmatch(re.escape(node.urls.base) + r"/(listings|events)/(\d+)", url or "")
    if match:
        return ("listing" if match.group(1) == "listings" else "event"), int(match.group(2))
    return None


def _reply_target(node: Node, parent: str) -> tuple[str, int] | None:
    """Our listing/event, or a remote one we keep, or the thing a known comment replies to."""
    local = _local_target(node, parent)
    if local is not None:
        model = Listing if local[0] == "listing" else Event
        return local if model.get_or_none(model.id == local[1]) is not None else None
    for kind, model in (("listing", Listing), ("event", Event)):
        row = model.get_or_none(model.external_ref == parent)
        if row is not None:
            return kind, row.id
    comment = Comment.get_or_none(Comment.external_ref == parent)
    return (comment.target_type, comment.target_id) if comment is not None else None


def _save_reply(node: Node, sender: str, obj: dict) -> str | None:
    reply = from_as.as_to_reply(obj)
    target = _reply_target(node, reply.in_reply_to)
    if target is None:
        return "reply to something we do not know"
    existing = Comment.get_or_none(Comment.external_ref == reply.ref)
    if existing is not None:
        if not _may_change(Comment, existing, sender, obj):
            raise Unacceptable("update of a reply by someone who is not its author")
        existing.content_html = reply.content_html
        existing.save()
        return None
    Comment.create(
        target_type=target[0],
        target_id=target[1],
        author=author_of(sender),
        content_html=reply.content_html,
        external_ref=reply.ref,
    )
    return None


def _elsewhere(node: Node, url: str, ref: str) -> str:
    """A remote object's page is on another server: a url pointing at us is replaced by its id."""
    return ref if node.urls.is_local(url) else url


def _listing_values(draft: from_as.RemoteListing, place: dict[str, Any]) -> dict[str, Any]:
    return {
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
        **place,
    }


def _save_listing(node: Node, sender: str, obj: dict) -> str | None:
    draft = from_as.as_to_listing(obj)
    _check_author(Listing, draft.ref, sender, obj)
    try:
        # reach on arrival and the object's history (issue #5): node/activitypub/arrivals.py
        arrivals.check_fresh(Listing, draft.ref, obj)
        place = arrivals.placement(node, obj)
    except arrivals.Dropped as exc:
        return exc.reason
    values = _listing_values(draft, place)
    values["url"] = _elsewhere(node, values["url"], draft.ref)
    values["remote_updated"] = arrivals.updated_of(obj)
    row = Listing.get_or_none(Listing.external_ref == draft.ref)
    if row is None:
        row = Listing.create(
            author=author_of(sender), external_ref=draft.ref, origin=host_of(draft.ref), **values
        )
    else:
        Listing.update(**values).where(Listing.id == row.id).execute()
    arrivals.photos(row.id, obj)
    return None


def _save_event(node: Node, sender: str, obj: dict) -> str | None:
    draft = from_as.as_to_event(obj)
    _check_author(Event, draft.ref, sender, obj)
    try:
        arrivals.check_fresh(Event, draft.ref, obj)
        place = arrivals.placement(node, obj)
    except arrivals.Dropped as exc:
        return exc.reason
    values = {k: v for k, v in draft.__dict__.items() if k not in ("ref", "public")}
    values["description_html"] = draft.description_html
    values["url"] = _elsewhere(node, values["url"], draft.ref)
    values["updated_at"] = utcnow()
    values["group_ref"] = str(from_as.get_id(from_as.first(obj.get("attributedTo"))) or "")[:500]
    values["remote_updated"] = arrivals.updated_of(obj)
    values.update(place)
    row = Event.get_or_none(Event.external_ref == draft.ref)
    if row is None:
        Event.create(
            organiser=author_of(sender), external_ref=draft.ref, origin=host_of(draft.ref), **values
        )
    else:
        Event.update(**values).where(Event.id == row.id).execute()
    return None


def on_create_note(tx: Any, node: Node, sender: str, activity: dict) -> str | None:
    """Replies become comments; Notes with FEP-0837 `purpose` become remote listings."""
    obj = activity["object"]
    check_owner(sender, obj)
    if obj.get("inReplyTo"):
        return _save_reply(node, sender, obj)
    if from_as.is_listing(obj):
        return _save_listing(node, sender, obj)
    return "a Note that is neither a listing nor a reply to one of ours"


def on_create_event(tx: Any, node: Node, sender: str, activity: dict) -> str | None:
    check_owner(sender, activity["object"])
    return _save_event(node, sender, activity["object"])


def on_update_note(tx: Any, node: Node, sender: str, activity: dict) -> str | None:
    obj = activity["object"]
    check_owner(sender, obj)
    if Comment.get_or_none(Comment.external_ref == obj.get("id")) is not None or obj.get(
        "inReplyTo"
    ):
        return _save_reply(node, sender, obj)
    if from_as.is_listing(obj):
        return _save_listing(node, sender, obj)
    return "update of an unknown Note"


def on_update_event(tx: Any, node: Node, sender: str, activity: dict) -> str | None:
    return on_create_event(tx, node, sender, activity)


def on_delete(tx: Any, node: Node, sender: str, activity: dict) -> str | None:
    """Delete of an object (Tombstone or id) by its owner; Delete of the actor itself."""
    from node.activitypub.handlers.actors import delete_actor

    ref = get_id(activity.get("object"))
    if ref == sender:
        return delete_actor(tx, node, sender, activity)
    if not same_origin(ref, sender):
        raise Unacceptable("delete of an object from another origin")
    obj = activity.get("object") if isinstance(activity.get("object"), dict) else None
    obj = obj if obj is not None and embedded.owners(obj) else None  # a Tombstone names nobody
    rows = [(m, m.get_or_none(m.external_ref == ref)) for m in (Listing, Event, Comment)]
    rows = [(m, row) for m, row in rows if row is not None]
    if any(not _may_change(m, row, sender, obj) for m, row in rows):
        raise Unacceptable("delete of an object by someone who is not its author")
    arrivals.bury(ref)  # a late Create or Update of it must not bring it back
    for model, row in rows:
        model.delete().where(model.id == row.id).execute()
    return None if rows else "delete of something we do not keep"
