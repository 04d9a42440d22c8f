"""Loans ↔ FEP-0837 activities: Offer(Agreement), Accept with the Agreement, and the loan's steps; pure.

Ids are on the acting side's origin: the borrower's loan URL carries the Offer (`#offer`) and its
steps (`#step-N`); the lender's loan URL is the finalised Agreement (and `#accept`, `#step-N`).
Every activity names the agreement (or, before it exists, the Offer) in `context`.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from node.activitypub.contexts import QUARTIER_NS
from node.activitypub.vocab import AS_CONTEXT, as_list, first, get_id
from node.local import inputs

ONE = {"hasUnit": "one", "hasNumericalValue": "1"}
CONTEXT = [
    AS_CONTEXT,
    {
        "om2": "http://www.ontology-of-units-of-measure.org/resource/om-2/",
        "vf": "https://w3id.org/valueflows/ont/vf#",
        "Agreement": "vf:Agreement",
        "Commitment": "vf:Commitment",
        "EconomicEvent": "vf:EconomicEvent",
        "stipulates": "vf:stipulates",
        "satisfies": "vf:satisfies",
        "action": "vf:action",
        "provider": "vf:provider",
        "receiver": "vf:receiver",
        "resourceQuantity": "vf:resourceQuantity",
        "hasUnit": "om2:hasUnit",
        "hasNumericalValue": "om2:hasNumericalValue",
        "qr": QUARTIER_NS,
        "loanStep": "qr:loanStep",
        "thanksFor": "qr:thanksFor",
    },
]
CUSTODY_STEPS = ("handed_over", "returned")


def _start(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _end(day: dt.date) -> str:
    return f"{day.isoformat()}T23:59:59Z"


def commitment(listing_ref: str, ident: str | None = None) -> dict[str, Any]:
    """FEP-0837: the Commitment satisfying the listing's primary Intent (one object)."""
    doc: dict[str, Any] = {
        "type": "Commitment",
        "satisfies": listing_ref + "#primary",
        "resourceQuantity": dict(ONE),
    }
    if ident:
        doc = {"id": ident, **doc}
    return doc


def offer(
    offer_id: str, borrower: str, lender: str, listing_ref: str, start, until, message: str
) -> dict[str, Any]:
    """The borrower's request: Offer{object: Agreement} to the lender."""
    activity: dict[str, Any] = {
        "@context": CONTEXT,
        "id": offer_id,
        "type": "Offer",
        "actor": borrower,
        "to": [lender],
        "object": {
            "type": "Agreement",
            "stipulates": commitment(listing_ref),
            "startTime": _start(start),
            "endTime": _end(until),
        },
        "target": listing_ref,
        "context": offer_id,
    }
    if message:
        activity["content"] = f"<p>{escape(message)}</p>"
    return activity


def agreement(agreement_id: str, lender: str, listing_ref: str, start, until) -> dict[str, Any]:
    """The finalised Agreement (id and attributedTo = the accepting lender, FEP-0837)."""
    return {
        "id": agreement_id,
        "type": "Agreement",
        "attributedTo": lender,
        "stipulates": commitment(listing_ref, agreement_id + "#primary"),
        "startTime": _start(start),
        "endTime": _end(until),
    }


def answer(
    kind: str, ident: str, actor: str, to: str, object_ref: str, context: str, result=None
) -> dict[str, Any]:
    """Accept / Reject of an Offer (the loan request or an extension) by the lender."""
    activity: dict[str, Any] = {
        "@context": CONTEXT,
        "id": ident,
        "type": kind,
        "actor": actor,
        "to": [to],
        "object": object_ref,
        "context": context,
    }
    if result is not None:
        activity["result"] = result
    return activity


def undo(ident: str, actor: str, to: str, inner_id: str, inner_type: str, context: str) -> dict:
    """Calling a loan off: the borrower undoes its Offer, the lender its Accept."""
    return {
        "@context": CONTEXT,
        "id": ident,
        "type": "Undo",
        "actor": actor,
        "to": [to],
        "object": {"id": inner_id, "type": inner_type, "actor": actor},
        "context": context,
    }


def custody(
    ident: str, actor: str, to: str, step: str, lender: str, borrower: str, context: str
) -> dict[str, Any]:
    """Handover or return: Create of a ValueFlows EconomicEvent transferring custody."""
    provider, receiver = (lender, borrower) if step == "handed_over" else (borrower, lender)
    return {
        "@context": CONTEXT,
        "id": ident + "-create",
        "type": "Create",
        "actor": actor,
        "to": [to],
        "object": {
            "id": ident,
            "type": "EconomicEvent",
            "attributedTo": actor,
            "action": "transferCustody",
            "provider": provider,
            "receiver": receiver,
            "resourceQuantity": dict(ONE),
            "loanStep": step,
            "context": context,
            "to": [to],
        },
        "context": context,
    }


def extension_offer(ident: str, actor: str, to: str, until: dt.date, context: str) -> dict:
    """The borrower asks to keep the object longer: a new Offer of the amended Agreement."""
    return {
        "@context": CONTEXT,
        "id": ident,
        "type": "Offer",
        "actor": actor,
        "to": [to],
        "object": {"id": context, "type": "Agreement", "endTime": _end(until)},
        "context": context,
        "inReplyTo": context,
    }


def thanks(
    ident: str,
    actor: str,
    to: str,
    to_name: str,
    text: str,
    context: str,
    language: str,
    thanks_for: str = "",
) -> dict[str, Any]:
    """Thanks after the return: a direct Note (readable anywhere) naming the agreement. Thanks for
    a service, a gift or an event (`thanks_for`) have the same shape and name the listing or
    event instead, with `thanksFor` in place of `loanStep`."""
    content = f"<p>{escape(text or 'Thank you!')}</p>"
    note: dict[str, Any] = {
        "id": ident,
        "type": "Note",
        "attributedTo": actor,
        "to": [to],
        "cc": [],
        "content": content,
        "tag": [{"type": "Mention", "href": to, "name": to_name}],
        "context": context,
    }
    if thanks_for:
        note["thanksFor"] = thanks_for
    else:
        note["loanStep"] = "thanked"
    if language:
        note["contentMap"] = {language: content}
    return {
        "@context": CONTEXT,
        "id": ident + "-create",
        "type": "Create",
        "actor": actor,
        "to": [to],
        "cc": [],
        "object": note,
    }


# ---------------------------------------------------------------- reading


def refs(activity: dict[str, Any]) -> list[str]:
    """Every reference that may name a loan: context, inReplyTo, the object and its context."""
    obj = activity.get("object")
    found = [get_id(first(activity.get("context"))), get_id(first(activity.get("inReplyTo")))]
    found.append(get_id(obj))
    if isinstance(obj, dict):
        found += [get_id(first(obj.get("context"))), get_id(first(obj.get("inReplyTo")))]
    return [r for r in dict.fromkeys(found) if r]


def day(value: Any) -> dt.date | None:
    """The date of an AS dateTime (or a plain date)."""
    try:
        return inputs.parse_date(value)  # years bounded like local input
    except ValueError:
        return None


def request_fields(activity: dict[str, Any]) -> dict[str, Any]:
    """{from, until, message, listing} of an incoming Offer(Agreement)."""
    from node.local.text import html_to_text, sanitize_html

    obj = activity.get("object") if isinstance(activity.get("object"), dict) else {}
    stipulates = next((s for s in as_list(obj.get("stipulates")) if isinstance(s, dict)), {})
    listing = get_id(stipulates.get("satisfies")) or get_id(activity.get("target")) or ""
    content = activity.get("content") or obj.get("content") or ""
    message = html_to_text(sanitize_html(content)) if isinstance(content, str) else ""
    return {
        "from": str(obj.get("startTime") or "")[:10],
        "until": str(obj.get("endTime") or "")[:10],
        "message": message.strip()[:2000],
        "listing": listing.split("#", 1)[0],
    }
