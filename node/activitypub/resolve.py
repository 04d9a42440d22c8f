"""The resolver: which of our activities (or which kind of item) an incoming activity names.

The dispatch key (node/activitypub/dispatch.py) is (activity type, kind). The kind is the type of
the embedded object, "*" for a bare id, except for the shapes in RESOLVED, where one id may name
different things: there `kind_of` looks the id up and answers with the type of *our* activity it
names (our loan `Offer`, our resident's `Join`, our `Follow`) or with a lowercase kind of item
(`direct-note`, `thanks-note`, `twinning`, `actor`). Each key then names exactly one handler.

Runs inside the handler's transaction (after the actors were cached): it reads, never writes.
"""

from __future__ import annotations

import re
from typing import Any

from node.activitypub import actors, twinning
from node.activitypub.from_as import is_listing
from node.activitypub.models import RemoteActor
from node.activitypub.vocab import as_list, get_id, is_public
from node.local.events.models import Event, Rsvp
from node.local.inputs import id_or_none
from node.local.listings.models import Listing
from node.local.loans.models import Loan
from node.local.models import Resident
from node.runtime import Node

# (activity type, object type) → the kinds the resolver may answer for it
RESOLVED: dict[tuple[str, str], frozenset[str]] = {
    ("Follow", "*"): frozenset({"*", "twinning"}),
    ("Accept", "*"): frozenset({"Offer", "Join", "Follow"}),
    ("Accept", "Offer"): frozenset({"Offer", "Join", "Follow"}),
    ("Reject", "*"): frozenset({"Offer", "Join", "Follow"}),
    ("Reject", "Offer"): frozenset({"Offer", "Join", "Follow"}),
    ("TentativeAccept", "*"): frozenset({"Join"}),
    ("Create", "Note"): frozenset({"Note", "direct-note", "thanks-note"}),
    ("Delete", "*"): frozenset({"*", "actor"}),
    ("Delete", "Tombstone"): frozenset({"Tombstone", "actor"}),
    ("Delete", "Note"): frozenset({"Note", "actor"}),
}


# the kinds only the resolver answers: a payload naming one as its type is taken for nothing
OURS = frozenset(k for kinds in RESOLVED.values() for k in kinds if k[:1].islower())


def object_type(value: Any) -> str:
    """The type of an embedded object, or "*" for a bare reference (an id)."""
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else None
    if isinstance(value, dict) and isinstance(value.get("type"), str):
        return "?" if value["type"] in OURS else value["type"]
    return "*"


def shape(activity: dict[str, Any]) -> tuple[Any, str]:
    """(activity type, object type): what can be told without the database."""
    return activity.get("type"), object_type(activity.get("object"))


def kind_of(node: Node, sender: str, activity: dict[str, Any]) -> str:
    """The kind of the activity's object, as the second half of the dispatch key."""
    key = shape(activity)
    if key not in RESOLVED:
        return key[1]
    kind, obj = key[0], activity.get("object")
    ref = get_id(obj) or ""
    if kind == "Follow":
        return "twinning" if twinning_of(node, activity) is not None else "*"
    if kind in ("Accept", "Reject"):
        if find_loan(node, [ref]) is not None:
            return "Offer"  # our loan Offer (#offer) or an extension we asked for
        return "Join" if our_join(node, ref) is not None else "Follow"
    if kind == "TentativeAccept":
        return "Join"
    if kind == "Create":
        if is_listing(obj) or not direct_recipients(node, sender, activity, obj):
            return "Note"
        thanks = obj.get("loanStep") == "thanked" or "thanksFor" in obj
        return "thanks-note" if thanks else "direct-note"
    return "actor" if ref and ref == sender else key[1]  # Delete


def local_target(node: Node, url: str) -> tuple[str, int] | None:
    """("listing" | "event", id) for the URL of one of our listings or events."""
    match = re.fullmatch(re.escape(node.urls.base) + r"/(listings|events)/(\d+)", url or "")
    number = id_or_none(match.group(2)) if match else None  # 10^23 names no row (no overflow)
    if match and number is not None:
        return ("listing" if match.group(1) == "listings" else "event"), number
    return None


def known_item(node: Node, ref: str) -> tuple[str, int] | None:
    """("listing" | "event", id) for one of ours, or for our copy of another node's."""
    found = local_target(node, ref)
    if found is not None or not ref:
        return found
    listing = Listing.get_or_none(Listing.external_ref == ref)
    if listing is not None:
        return "listing", listing.id
    event = Event.get_or_none(Event.external_ref == ref)
    return ("event", event.id) if event is not None else None


def find_loan(node: Node, refs: list[str]) -> tuple[Loan, str] | None:
    """(loan, the matching ref) for our own loan URLs (any fragment) or the other node's ids."""
    pattern = re.escape(node.urls.base) + r"/loans/(\d+)(?:#.*)?"
    for ref in refs:
        match = re.fullmatch(pattern, ref)
        number = id_or_none(match.group(1)) if match else None
        loan = Loan.get_or_none(Loan.id == number) if number is not None else None
        loan = loan or Loan.get_or_none(Loan.external_ref == ref)
        if loan is not None:
            return loan, ref
    return None


def our_join(node: Node, ref: str) -> Rsvp | None:
    """Our resident's RSVP whose outgoing Join has this id (see direct_builders.rsvp_changed)."""
    if not ref or not node.urls.is_local(ref):
        return None
    return Rsvp.get_or_none(Rsvp.external_ref == ref)


def twinning_of(node: Node, activity: dict[str, Any]) -> tuple[str, Any] | None:
    """(handle, quarter) when a Follow marked qr:twinning names one of our quarters."""
    if not twinning.is_twinning(activity):
        return None
    handle = actors.local_handle(node, get_id(activity.get("object")) or "")
    found = actors.find_local(handle) if handle else None
    return (handle, found[1]) if found is not None and found[0] == "quarter" else None


def direct_recipients(node: Node, sender: str, activity: dict, obj: Any) -> list[Resident]:
    """Our residents a Note is addressed to, if it is direct (no Public, no followers)."""
    if not isinstance(obj, dict):
        return []
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
