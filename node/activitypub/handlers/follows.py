"""Follow, Undo Follow, Accept / Reject of our own follows, and twinning (a marked Follow of a quarter).

The resolver tells a twinning Follow from a plain one (resolve.kind_of); Accept / Reject / Undo
of a follow also settle or end the twinning it belongs to.
"""

from __future__ import annotations

from typing import Any

from node.activitypub import actors, as_activities, outbox, resolve, twin_past, twinning
from node.activitypub.models import Follower, Following, RemoteActor
from node.activitypub.vocab import get_id
from node.local import twins
from node.local.tx import Tx
from node.runtime import Node


def _sender(uri: str) -> RemoteActor:
    row = RemoteActor.get_or_none(RemoteActor.uri == uri)
    if row is None:
        raise actors.FetchFailed(f"actor {uri} could not be fetched")
    return row


def on_follow(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
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
    activity = as_activities.accept(node.urls, node.urls.actor(handle), follow)
    outbox.enqueue(node, handle, activity, [remote.inbox])


def approve(tx: Tx, node: Node, handle: str, actor_uri: str, accepted: bool = True) -> None:
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
            node,
            handle,
            as_activities.reject(node.urls, node.urls.actor(handle), follow),
            [remote.inbox],
        )


def _undo_follower(node: Node, sender: str, activity: dict) -> str | None:
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


def _accept_follow(sender: str, activity: dict) -> str | None:
    row = _our_follow(sender, activity.get("object"))
    if row is None:
        return "accept of an unknown follow"
    Following.update(state="accepted").where(Following.id == row.id).execute()
    return None


def _reject_follow(sender: str, activity: dict) -> str | None:
    row = _our_follow(sender, activity.get("object"))
    if row is None:
        return "reject of an unknown follow"
    Following.update(state="rejected").where(Following.id == row.id).execute()
    return None


def on_twinning_follow(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    """A twinning Follow waits for the quarter's moderators, unless it answers our request."""
    handle, quarter = resolve.twinning_of(node, activity)
    remote = RemoteActor.get_or_none(RemoteActor.uri == sender)
    if remote is None or remote.type != "Group":
        return "twinning asked by something that is not a quarter"
    mine = twins.Twin.get_or_none(
        (twins.Twin.quarter == quarter.id) & (twins.Twin.actor_uri == sender)
    )
    values = {
        "inbox": remote.inbox,
        "shared_inbox": remote.shared_inbox,
        "follow_id": activity["id"],
    }
    row = Follower.get_or_none((Follower.handle == handle) & (Follower.actor_uri == sender))
    # An ended twinning asked again by them is a new request, not an answer to our old one.
    answers_ours = (
        mine is not None
        and mine.direction == "outgoing"
        and mine.state in ("requested", "accepted")
    )
    state = "accepted" if answers_ours or (mine and mine.state == "accepted") else "pending"
    if row is None:
        Follower.create(handle=handle, actor_uri=sender, state=state, **values)
    else:
        Follower.update(state=state, **values).where(Follower.id == row.id).execute()
    if state == "accepted":
        # The follow back of the Group we asked: accept it, and our request is accepted too.
        accept_follower(node, handle, sender, activity)
        twins.settle(mine.id, True, tx.now)
        return None
    twins.asked(
        quarter.id, twinning.remote_quarter(remote, activity.get("twinning")), activity["id"]
    )
    return None


def _twin_of(sender: str, activity: dict) -> twins.Twin | None:
    follow_id = get_id(activity.get("object"))
    twin = twins.Twin.get_or_none(
        (twins.Twin.follow_id == follow_id) & (twins.Twin.actor_uri == sender)
    )
    if twin is None:
        twin = twins.Twin.get_or_none(
            (twins.Twin.back_follow_id == follow_id) & (twins.Twin.actor_uri == sender)
        )
    return twin


def on_accept(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    """Accept of our Follow (embedded, or by id); it may settle our twinning request."""
    result = _accept_follow(sender, activity)
    twin = _twin_of(sender, activity)
    if twin is not None and twin.direction == "outgoing":
        twins.settle(twin.id, True, tx.now)
    if twin is not None:
        # settled on our side (our request, or our follow back): the twin gets our past
        twin_past.send(node, twin.id, tx.now)
    return result


def on_reject(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    result = _reject_follow(sender, activity)
    twin = _twin_of(sender, activity)
    if twin is not None:
        twins.settle(twin.id, False, tx.now)
    return result


def on_undo_follow(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    """An Undo(Follow) ends the follow; from a twin's Group, the twinning and our follow too."""
    result = _undo_follower(node, sender, activity)
    if result is not None:
        return result
    handle = actors.local_handle(node, get_id(activity["object"].get("object")) or "")
    found = actors.find_local(handle) if handle else None
    if found is None or found[0] != "quarter":
        return None
    if twins.ended_by_them(found[1].id, sender, tx.now) is not None:
        # No Undo back: the other side already dropped its follows (no ping-pong).
        Following.delete().where(
            (Following.handle == handle) & (Following.actor_uri == sender)
        ).execute()
    return None
