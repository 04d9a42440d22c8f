"""HANDLERS: the whole dispatch, {(activity type, kind): handler}, and the one function using it.

The kind is the embedded object's type, "*" for a bare id, or what node/activitypub/resolve.py
finds the id names (our `Offer`, `Join` or `Follow`; a `direct-note`, `thanks-note`, `twinning`
Follow or the `actor` itself). Each key names exactly one handler, and no handler calls another:
an Announce's handler only opens it, and `run` dispatches the announced activity through this
same table, once.
"""

from __future__ import annotations

from typing import Any

from node.activitypub import announces, resolve
from node.activitypub.handlers import (
    actors,
    follows,
    loans,
    messages,
    moderation,
    objects,
    rsvps,
    thanks,
)
from node.local.tx import Tx
from node.runtime import Node

HANDLERS = {
    ("Follow", "*"): follows.on_follow,
    ("Follow", "twinning"): follows.on_twinning_follow,  # a marked Follow of one of our quarters
    ("Undo", "Follow"): follows.on_undo_follow,  # maybe ending a twinning
    ("Accept", "Follow"): follows.on_accept,  # our Follow, maybe settling a twinning
    ("Reject", "Follow"): follows.on_reject,
    ("Create", "Note"): objects.on_create_note,  # a listing or a reply
    ("Create", "direct-note"): messages.on_direct_note,
    ("Create", "Page"): objects.on_create_note,
    ("Create", "Article"): objects.on_create_note,
    ("Create", "Event"): objects.on_create_event,
    ("Update", "Note"): objects.on_update_note,
    ("Update", "Page"): objects.on_update_note,
    ("Update", "Article"): objects.on_update_note,
    ("Update", "Event"): objects.on_update_event,
    ("Delete", "*"): objects.on_delete,
    ("Delete", "Tombstone"): objects.on_delete,
    ("Delete", "Note"): objects.on_delete,
    ("Delete", "actor"): actors.on_delete_actor,
    ("Announce", "*"): announces.on_announce,
    ("Announce", "Create"): announces.on_announce,
    ("Announce", "Update"): announces.on_announce,
    ("Announce", "Delete"): announces.on_announce,
    ("Announce", "Note"): announces.on_announce,
    ("Announce", "Page"): announces.on_announce,
    ("Announce", "Event"): announces.on_announce,
    ("Like", "*"): moderation.on_like,
    ("Flag", "*"): moderation.on_flag,
    ("Block", "*"): actors.on_block,
    ("Undo", "Block"): actors.on_undo_block,
    ("Update", "Person"): actors.on_update_actor,
    ("Update", "Group"): actors.on_update_actor,
    ("Update", "Organization"): actors.on_update_actor,
    ("Update", "Service"): actors.on_update_actor,
    ("Update", "Application"): actors.on_update_actor,
    # across the border: loans (FEP-0837), RSVPs (Mobilizon), see docs/federation.md
    ("Offer", "Agreement"): loans.on_offer,
    ("Accept", "Offer"): loans.on_accept,  # our loan Offer or extension (embedded or by id)
    ("Reject", "Offer"): loans.on_reject,
    ("Undo", "Offer"): loans.on_undo,
    ("Undo", "Accept"): loans.on_undo,
    ("Create", "EconomicEvent"): loans.on_custody,
    ("Create", "thanks-note"): thanks.on_thanks,  # after a loan, a service, a gift or an event
    ("Join", "*"): rsvps.on_join,
    ("Leave", "*"): rsvps.on_leave,
    ("Accept", "Join"): rsvps.on_answer,  # our resident's Join (embedded or by id)
    ("TentativeAccept", "Join"): rsvps.on_answer,
    ("Reject", "Join"): rsvps.on_answer,
}


def accepts(activity: dict[str, Any]) -> tuple[Any, str] | None:
    """None when some row may take the activity; else its (type, object type), to say so.

    Told from the shape alone, before any network work or transaction.
    """
    key = resolve.shape(activity)
    return None if key in HANDLERS or key in resolve.RESOLVED else key


def key_of(node: Node, sender: str, activity: dict[str, Any]) -> tuple[Any, str]:
    return activity.get("type"), resolve.kind_of(node, sender, activity)


def run(tx: Tx, node: Node, sender: str, activity: dict[str, Any]) -> Any:
    """Resolve the key, run its one handler; an Announce's inner activity goes round once more."""
    key = key_of(node, sender, activity)
    handler = HANDLERS.get(key)
    if handler is announces.on_announce:
        opened = handler(tx, node, sender, activity)
        if isinstance(opened, str):
            return opened
        sender, activity = opened
        key = key_of(node, sender, activity)
        handler = HANDLERS.get(key)
        if handler is None or handler is announces.on_announce:
            return f"no handler for announced {key[0]}/{key[1]}"
    if handler is None:
        return f"no handler for {key[0]}/{key[1]}"
    return handler(tx, node, sender, activity)
