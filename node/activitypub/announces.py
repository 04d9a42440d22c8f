"""Announce: unwrap a group's Announce(Create(…)) or fetch an announced object from its origin."""

from __future__ import annotations

from typing import Any

from node.activitypub import embedded
from node.activitypub.from_as import Unacceptable
from node.activitypub.vocab import first, get_id, same_origin
from node.local.tx import Tx
from node.runtime import Node

ACTIVITIES = frozenset({"Create", "Update", "Delete"})


async def unwrap(node: Node, announce: dict) -> Any:
    """The authenticated inner activity or object (runs before the transaction).

    Embedded and wholly on the announcer's origin (id, actor or attributedTo, and object) →
    trusted (FEP-fe34 embedding); otherwise fetched from its own origin, where it must be owned
    (GoToSocial's rule for forwarded objects), or dropped: an id on the announcer's origin
    alone proves nothing about an inner actor elsewhere (issue #8).
    """
    announcer = get_id(announce.get("actor"))
    inner = announce.get("object")
    if not get_id(inner):
        raise Unacceptable("announce without an object id")
    return await embedded.authenticate(node, inner, announcer)


def on_announce(tx: Tx, node: Node, sender: str, activity: dict) -> tuple[str, dict] | str:
    """(its author, the announced activity) to dispatch through HANDLERS, or why it is ignored.

    An announced object is taken as if its author created it. The dispatcher (dispatch.run)
    sends what this returns through the same table; this never calls a handler itself.
    """
    inner = activity.get("object")
    if not isinstance(inner, dict):
        return "announce of one of our own objects"
    if inner.get("type") in ACTIVITIES:
        author = get_id(inner.get("actor"))
        obj = inner.get("object")
        if inner.get("type") != "Delete" and isinstance(obj, dict):
            if not same_origin(get_id(obj), author):
                raise Unacceptable("announced activity carries an object of another origin")
        activity = inner
    else:
        # PeerTube's attributedTo is a list (the account, then the channel)
        author = get_id(first(inner.get("attributedTo"))) or get_id(inner.get("actor"))
        activity = {"id": inner.get("id"), "type": "Create", "actor": author, "object": inner}
    if not author or not same_origin(get_id(activity.get("object")) or activity["id"], author):
        raise Unacceptable("announced object is not on its author's origin")
    return author, activity
