"""Follow, Undo Follow, and Accept / Reject of our own follows (protocol-level)."""

from __future__ import annotations

from typing import Any

from node.activitypub import actors, outbox, to_as
from node.activitypub.models import Follower, Following, RemoteActor
from node.activitypub.vocab import get_id
from node.runtime import Node


def _sender(uri: str) -> RemoteActor:
    row = RemoteActor.get_or_none(RemoteActor.uri == uri)
    if row is None:
        raise actors.FetchFailed(f"actor {uri} could not be fetched")
    return row


def on_follow(tx: Any, node: Node, sender: str, activity: dict) -> str | None:
    """Residents and quarters accept automatically, unless the quarter approves follows itself."""
    target = get_id(activity.get("object")) or ""
    handle = actors.local_handle(node, target)
    found = actors.find_local(handle) if handle else None
    if found is None:
        return f"follow of unknown actor {target}"
    kind, row = found
    remote = _sender(sender)
    pending = kind == "quarter" and row.approve_follows
    existing = Follower.get_or_none((Follower.handle == handle) & (Follower.actor_uri == sender))
    values = {
        "inbox": remote.inbox,
        "shared_inbox": remote.shared_inbox,
        "follow_id": activity["id"],
        "state": "pending" if pending else "accepted",
    }
    if existing is None:
        Follower.create(handle=handle, actor_uri=sender, **values)
    else:
        Follower.update(**values).where(Follower.id == existing.id).execute()
    if not pending:
        accept_follower(node, handle, sender, activity)
    return None


def accept_follower(node: Node, handle: str, sender: str, follow: dict) -> None:
    """Send the Accept (embedding the Follow) to the follower's own inbox."""
    remote = _sender(sender)
    activity = to_as.accept(node.urls, node.urls.actor(handle), follow)
    outbox.enqueue(node, handle, activity, [remote.inbox])


def approve(tx: Any, node: Node, handle: str, actor_uri: str, accepted: bool = True) -> None:
    """A moderator's decision on a pending follow of a quarter that approves follows."""
    row = Follower.get((Follower.handle == handle) & (Follower.actor_uri == actor_uri))
    follow = {
        "id": row.follow_id,
        "type": "Follow",
        "actor": actor_uri,
        "object": node.urls.actor(handle),
    }
    if accepted:
        row.state = "accepted"
        row.save()
        accept_follower(node, handle, actor_uri, follow)
    else:
        row.delete_instance()
        remote = _sender(actor_uri)
        outbox.enqueue(
            node, handle, to_as.reject(node.urls, node.urls.actor(handle), follow), [remote.inbox]
        )


def on_undo_follow(tx: Any, node: Node, sender: str, activity: dict) -> str | None:
    inner = activity["object"]
    handle = actors.local_handle(node, get_id(inner.get("object")) or "")
    if get_id(inner.get("actor")) != sender or handle is None:
        return "undo of someone else's follow"
    Follower.delete().where((Follower.handle == handle) & (Follower.actor_uri == sender)).execute()
    return None


def _our_follow(sender: str, obj: Any) -> Following | None:
    follow_id = get_id(obj)
    row = Following.get_or_none(Following.activity_id == follow_id) if follow_id else None
    if row is None and isinstance(obj, dict):
        # Some servers re-create the Follow without our id: match on who follows whom.
        row = Following.get_or_none(Following.actor_uri == get_id(obj.get("object")))
    if row is None or row.actor_uri != sender:
        return None
    return row


def on_accept_follow(tx: Any, node: Node, sender: str, activity: dict) -> str | None:
    row = _our_follow(sender, activity.get("object"))
    if row is None:
        return "accept of an unknown follow"
    Following.update(state="accepted").where(Following.id == row.id).execute()
    return None


def on_reject_follow(tx: Any, node: Node, sender: str, activity: dict) -> str | None:
    row = _our_follow(sender, activity.get("object"))
    if row is None:
        return "reject of an unknown follow"
    Following.update(state="rejected").where(Following.id == row.id).execute()
    return None
