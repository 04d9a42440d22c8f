"""Incoming twinning: a marked Follow of one of our quarters, and the answers to our own requests."""

from __future__ import annotations

from typing import Any

from node.activitypub import actors, twinning
from node.activitypub.handlers import follows
from node.activitypub.models import Follower, Following, RemoteActor
from node.activitypub.vocab import get_id
from node.local import twins
from node.runtime import Node


def on_follow(tx: Any, node: Node, sender: str, activity: dict) -> str | None:
    """A twinning Follow waits for the quarter's moderators, unless it answers our request."""
    if not twinning.is_twinning(activity):
        return follows.on_follow(tx, node, sender, activity)
    handle = actors.local_handle(node, get_id(activity.get("object")) or "")
    found = actors.find_local(handle) if handle else None
    if found is None or found[0] != "quarter":
        return follows.on_follow(tx, node, sender, activity)
    quarter = found[1]
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
        follows.accept_follower(node, handle, sender, activity)
        twins.settle(mine.id, True, tx.now)
        return None
    twins.asked(
        quarter.id, twinning.remote_quarter(remote, activity.get("twinning")), activity["id"]
    )
    return None


def _ours(sender: str, activity: dict) -> twins.Twin | None:
    follow_id = get_id(activity.get("object"))
    twin = twins.Twin.get_or_none(
        (twins.Twin.follow_id == follow_id) & (twins.Twin.actor_uri == sender)
    )
    if twin is None:
        twin = twins.Twin.get_or_none(
            (twins.Twin.back_follow_id == follow_id) & (twins.Twin.actor_uri == sender)
        )
    return twin


def on_accept(tx: Any, node: Node, sender: str, activity: dict) -> str | None:
    result = follows.on_accept_follow(tx, node, sender, activity)
    twin = _ours(sender, activity)
    if twin is not None and twin.direction == "outgoing":
        twins.settle(twin.id, True, tx.now)
    return result


def on_reject(tx: Any, node: Node, sender: str, activity: dict) -> str | None:
    result = follows.on_reject_follow(tx, node, sender, activity)
    twin = _ours(sender, activity)
    if twin is not None:
        twins.settle(twin.id, False, tx.now)
    return result


def on_undo_follow(tx: Any, node: Node, sender: str, activity: dict) -> str | None:
    """An Undo(Follow) from a twin's Group ends the twinning here, and our follow of it too."""
    result = follows.on_undo_follow(tx, node, sender, activity)
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
