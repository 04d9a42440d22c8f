"""FEP-fe34 for embedded objects: who vouches for an object we did not fetch ourselves.

An object embedded in a signed activity is only as trustworthy as the origin that signed it:
it is taken as it is when its id, its owners (actor, attributedTo) and, for an activity, its
object are all on that origin. Anything else is fetched from its own origin, and the copy must
then be owned on that origin; otherwise it is dropped (issue #8: forged Announces).
"""

from __future__ import annotations

from typing import Any

from node.activitypub import actors
from node.activitypub.from_as import Unacceptable
from node.activitypub.vocab import as_list, get_id, same_origin
from node.runtime import Node

OWNER_FIELDS = ("actor", "attributedTo")
MAX_DEPTH = 4  # Announce(Create(Note)) is three deep; anything deeper is not vouched for


def owners(doc: dict[str, Any]) -> list[str]:
    """The ids its owner fields name (an activity's actor, an object's attributedTo)."""
    named = []
    for field in OWNER_FIELDS:
        named += [get_id(v) for v in as_list(doc.get(field))]
    return [n for n in named if n]


def vouched(doc: Any, origin_url: str, depth: int = 0) -> bool:
    """True when `origin_url`'s origin answers for all of `doc`: id, owners and objects."""
    if depth > MAX_DEPTH:
        return False
    if not isinstance(doc, dict):
        return same_origin(get_id(doc), origin_url)
    ref = get_id(doc)
    if not ref or not same_origin(ref, origin_url):
        return False
    if any(not same_origin(owner, origin_url) for owner in owners(doc)):
        return False
    return all(vouched(inner, origin_url, depth + 1) for inner in as_list(doc.get("object")))


async def authenticate(node: Node, doc: Any, wrapper: str) -> Any:
    """`doc` embedded by `wrapper` (the signed sender), or its copy fetched from its origin.

    Returns the trusted object, or the bare id of one of our own objects; Unacceptable when
    neither the wrapper nor the object's own origin answers for it (runs before the transaction).
    """
    if isinstance(doc, dict) and vouched(doc, wrapper):
        return doc
    ref = get_id(doc)
    if not ref:
        raise Unacceptable("embedded object without an id")
    if node.urls.is_local(ref):
        return ref  # our own object: our database knows it better than any copy
    fetched = await actors.fetch_document(node, ref)
    if not vouched(fetched, ref):
        raise Unacceptable("the object's own origin does not answer for its author")
    return fetched


def check_owner(sender: str, obj: dict) -> None:
    """FEP-fe34: the creator is the owner; an object attributed to someone else is refused.

    Mobilizon names the organiser as the Event's `actor` and its Group as `attributedTo`:
    either may send it.
    """
    named = owners(obj)
    if named and sender not in named:
        raise Unacceptable("the object is attributed to someone other than the sender")
