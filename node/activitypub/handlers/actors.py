"""Update / Delete of remote actors, and Block."""

from __future__ import annotations

from node.activitypub import actors
from node.activitypub.from_as import Unacceptable
from node.activitypub.models import Follower, Following, RemoteActor
from node.activitypub.vocab import get_id
from node.local import residents
from node.local.moderation import remote as moderation_remote
from node.local.tx import Tx
from node.runtime import Node


def on_update_actor(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    """An actor may only update itself (Mastodon's rule): refresh the cache and the stub."""
    obj = activity["object"]
    if obj.get("id") != sender:
        raise Unacceptable("an actor may only update itself")
    remote = actors.store_actor(obj)
    if remote.resident_id:
        residents.update_remote(remote.resident_id, remote.name, remote.url)
    return None


def on_delete_actor(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    """The actor was deleted: forget it and remove its resident's data here."""
    remote = RemoteActor.get_or_none(RemoteActor.uri == sender)
    residents.forget_remote(sender)
    Follower.delete().where(Follower.actor_uri == sender).execute()
    Following.delete().where(Following.actor_uri == sender).execute()
    if remote is not None:
        RemoteActor.update(gone=True, resident=None).where(RemoteActor.id == remote.id).execute()
    return None


def on_block(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    """A remote actor blocks one of ours: no follow either way, and the block is remembered."""
    handle = actors.local_handle(node, get_id(activity.get("object")) or "")
    found = actors.find_local(handle) if handle else None
    if found is None:
        return "block of an unknown actor"
    Follower.delete().where((Follower.handle == handle) & (Follower.actor_uri == sender)).execute()
    Following.delete().where(
        (Following.handle == handle) & (Following.actor_uri == sender)
    ).execute()
    kind, row = found
    if kind == "resident":
        remote = RemoteActor.get(RemoteActor.uri == sender)
        stub = actors.remote_resident(remote)
        moderation_remote.receive_block(stub.id, row.id)
    return None


def on_undo_block(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    moderation_remote.receive_unblock(sender)
    return None
