"""Direct Notes: private messages from other nodes (Quartier, Mastodon…), and thanks after a loan.

A Note is direct when nobody public and no followers collection is addressed, and one of our
residents is: it becomes a message in their conversation with the sender, never a public item.
"""

from __future__ import annotations

import re
from typing import Any

from node.activitypub import actors
from node.activitypub.from_as import is_listing
from node.activitypub.handlers import loans, objects
from node.activitypub.handlers.objects import author_of
from node.activitypub.models import RemoteActor
from node.activitypub.vocab import as_list, get_id, is_public
from node.local import messages
from node.local.errors import DomainError
from node.local.models import Resident
from node.local.text import html_to_text, sanitize_html
from node.runtime import Node

_LEADING_MENTIONS = re.compile(r"^(?:\s*@[\w.\-]+(?:@[\w.\-:]+)?)+\s*")


def direct_recipients(node: Node, sender: str, activity: dict, obj: dict) -> list[Resident]:
    """Our residents a Note is addressed to, if it is direct (no Public, no followers)."""
    addressed = []
    for field in ("to", "cc", "bto", "bcc"):
        addressed += as_list(obj.get(field)) + as_list(activity.get(field))
    if is_public(addressed):
        return []
    remote = RemoteActor.get_or_none(RemoteActor.uri == sender)
    followers = remote.followers if remote is not None else ""
    found: dict[int, Resident] = {}
    for ref in filter(None, (get_id(a) for a in addressed)):
        if ref == followers or ref.endswith("/followers"):
            return []
        handle = actors.local_handle(node, ref)
        local = actors.find_local(handle) if handle else None
        if local is not None and local[0] == "resident":
            found[local[1].id] = local[1]
    return list(found.values())


def _text(obj: dict) -> str:
    content = obj.get("content")
    if not isinstance(content, str):
        cmap = obj.get("contentMap")
        content = next(iter(cmap.values()), "") if isinstance(cmap, dict) and cmap else ""
    text = html_to_text(sanitize_html(content if isinstance(content, str) else ""))
    return _LEADING_MENTIONS.sub("", text).strip()  # Mastodon starts DMs with the mention


def on_create_note(tx: Any, node: Node, sender: str, activity: dict) -> str | None:
    """Direct Notes become messages (or loan thanks); every other Note goes to objects."""
    obj = activity["object"]
    objects.check_owner(sender, obj)
    recipients = [] if is_listing(obj) else direct_recipients(node, sender, activity, obj)
    if not recipients:
        return objects.on_create_note(tx, node, sender, activity)
    text = _text(obj)
    if loans.is_loan_note(obj):
        return loans.on_thanks(tx, node, sender, activity, text)
    author = author_of(sender)
    delivered = 0
    for index, resident in enumerate(recipients):
        ref = obj["id"] if index == 0 else f"{obj['id']}#to-{resident.id}"  # one row per resident
        try:
            if messages.receive(tx, author.id, resident.id, text, ref) is not None:
                delivered += 1
        except DomainError:
            continue  # blocked, or gone: nothing is kept for that resident
    return None if delivered else "direct message not delivered (duplicate, blocked or empty)"
