"""Direct Notes: private messages from other nodes (Quartier, Mastodon…).

A Note is direct when nobody public and no followers collection is addressed, and one of our
residents is (resolve.direct_recipients): it becomes a message in their conversation with the
sender, never a public item. Thanks are direct Notes too (resolve: thanks-note, handlers/thanks.py).
"""

from __future__ import annotations

from node.activitypub import embedded, residence, resolve
from node.activitypub.actors import author_of
from node.activitypub.from_as import note_text
from node.local.errors import DomainError
from node.local.messages import conversations as messages
from node.local.tx import Tx
from node.runtime import Node


def on_direct_note(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    """One message row per resident addressed; blocked or duplicate ones are skipped."""
    obj = activity["object"]
    embedded.check_owner(sender, obj)
    recipients = resolve.direct_recipients(node, sender, activity, obj)
    text = note_text(obj)
    author = author_of(sender)
    refused = residence.refusal(node, author)
    if refused is not None:
        return f"direct message not delivered: {refused}"
    delivered = 0
    for index, resident in enumerate(recipients):
        ref = obj["id"] if index == 0 else f"{obj['id']}#to-{resident.id}"  # one row per resident
        try:
            if messages.receive(tx, author.id, resident.id, text, ref) is not None:
                delivered += 1
        except DomainError:
            continue  # blocked, or gone: nothing is kept for that resident
    return None if delivered else "direct message not delivered (duplicate, blocked or empty)"
