"""RSVPs ↔ Mobilizon's Join / Leave / Accept / TentativeAccept / Reject (FEDERATION-NOTES §5.3); pure."""

from __future__ import annotations

from html import escape
from typing import Any

from node.activitypub.contexts import QUARTIER_NS
from node.activitypub.vocab import AS_CONTEXT, get_id

CONTEXT = [
    AS_CONTEXT,
    {
        "mz": "https://joinmobilizon.org/ns#",
        "participationMessage": "mz:participationMessage",
        "qr": QUARTIER_NS,
        "waitingPosition": "qr:waitingPosition",
    },
]
# The answer we send for each status of a remote participant; "pending" waits for a decision.
ANSWERS = {"going": "Accept", "waiting": "TentativeAccept", "not_going": "Reject"}
STATUS_OF = {"Accept": "going", "TentativeAccept": "waiting", "Reject": "not_going"}


def join(ident: str, actor: str, event_ref: str, organiser: str, message: str = "") -> dict:
    """Mobilizon's Join: {id, actor, object: <event url>, participationMessage?}."""
    activity: dict[str, Any] = {
        "@context": CONTEXT,
        "id": ident,
        "type": "Join",
        "actor": actor,
        "object": event_ref,
        "to": [organiser],
    }
    if message:
        activity["participationMessage"] = escape(message)
    return activity


def leave(ident: str, actor: str, event_ref: str, organiser: str) -> dict:
    return {
        "@context": CONTEXT,
        "id": ident,
        "type": "Leave",
        "actor": actor,
        "object": event_ref,
        "to": [organiser],
    }


def embedded_join(join_id: str, participant: str, event_ref: str) -> dict:
    return {"id": join_id, "type": "Join", "actor": participant, "object": event_ref}


def answer(
    kind: str, ident: str, organiser: str, join_doc: dict, position: int | None = None
) -> dict:
    """Accept / TentativeAccept / Reject with the Join embedded, actor = the organiser (Mobilizon)."""
    activity: dict[str, Any] = {
        "@context": CONTEXT,
        "id": ident,
        "type": kind,
        "actor": organiser,
        "to": [join_doc["actor"]],
        "object": join_doc,
    }
    if position is not None:
        activity["waitingPosition"] = position
    return activity


def join_parts(activity: dict[str, Any]) -> tuple[str | None, str | None]:
    """(participant, event ref) of the Join embedded in an answer."""
    inner = activity.get("object")
    if not isinstance(inner, dict):
        return None, None
    return get_id(inner.get("actor")), get_id(inner.get("object"))
