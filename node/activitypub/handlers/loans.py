"""Loans across nodes (FEP-0837): Offer(Agreement), Accept / Reject, Undo, custody events.

Thanks after the return are handled with all thanks (handlers/thanks.py).

Each step is applied through the same domain function as a local move, as the resident the signing
actor stands for: the state machine and its party rules refuse wrong-party or illegal steps.
"""

from __future__ import annotations

from typing import Any

from node.activitypub import agreements, residence
from node.activitypub.actors import author_of
from node.activitypub.audience import host_of
from node.activitypub.from_as import Unacceptable
from node.activitypub.resolve import find_loan, local_target
from node.activitypub.vocab import get_id
from node.local.errors import DomainError
from node.local.loans import remote as loan_remote
from node.local.loans import write as loans
from node.local.loans.models import Loan
from node.local.tx import Tx
from node.runtime import Node


def _apply(fn, tx: Tx, *args: Any) -> Any:
    """A domain move; its refusal (wrong party, illegal transition) rejects the activity."""
    try:
        return fn(tx, *args)
    except DomainError as exc:
        raise Unacceptable(f"refused: {exc}") from exc


def _loan_of(node: Node, activity: dict) -> Loan:
    found = find_loan(node, agreements.refs(activity))
    if found is None:
        raise Unacceptable("no loan matches this activity")
    return found[0]


def on_offer(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    """A request to borrow one of our objects, or (on a known agreement) an extension."""
    if loan_remote.step_seen(activity["id"]) or Loan.get_or_none(
        Loan.external_ref == activity["id"]
    ):
        return "step already applied"
    party = author_of(sender)
    found = find_loan(node, agreements.refs(activity))
    if found is not None:
        until = agreements.day((activity.get("object") or {}).get("endTime"))
        if until is None:
            raise Unacceptable("extension without endTime")
        _apply(loans.ask_extension, tx, party.id, found[0].id, until)
        loan_remote.stamp_step(found[0].id, activity["id"])
        return None
    refused = residence.refusal(node, party)
    if refused is not None:
        raise Unacceptable(f"refused: {refused}")
    fields = agreements.request_fields(activity)
    target = local_target(node, fields["listing"])
    if target is None or target[0] != "listing":
        raise Unacceptable("offer for something we do not list")
    try:
        draft = loans.LoanDraft.parse(fields)
    except DomainError as exc:
        raise Unacceptable(f"refused: {exc}") from exc
    loan = _apply(loans.request, tx, party.id, target[1], draft)
    loan_remote.name_agreement(loan.id, activity["id"], host_of(sender))
    loan_remote.stamp_step(loan.id, activity["id"])
    return None


def _answer(tx: Tx, node: Node, sender: str, activity: dict, agree: bool) -> str | None:
    ref = get_id(activity.get("object")) or ""
    found = find_loan(node, [ref])
    if found is None:  # the resolver found it; gone since (a concurrent cancel)
        raise Unacceptable("no loan matches this activity")
    if loan_remote.step_seen(activity["id"]):
        return "step already applied"
    loan, party = found[0], author_of(sender)
    if ref.endswith("#offer"):
        _apply(loans.accept if agree else loans.decline, tx, party.id, loan.id)
        result = get_id(activity.get("result"))
        if agree and result:
            loan_remote.name_agreement(loan.id, result, host_of(sender))
    else:
        _apply(loans.answer_extension, tx, party.id, loan.id, agree)
    loan_remote.stamp_step(loan.id, activity["id"])
    return None


def on_accept(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    """Accept of our loan Offer (result: the Agreement) or of an extension we asked for."""
    return _answer(tx, node, sender, activity, True)


def on_reject(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    return _answer(tx, node, sender, activity, False)


def on_undo(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    """The borrower undoes its Offer or the lender its Accept: the loan is cancelled."""
    if loan_remote.step_seen(activity["id"]):
        return "step already applied"
    loan = _loan_of(node, activity)
    _apply(loans.cancel, tx, author_of(sender).id, loan.id)
    loan_remote.stamp_step(loan.id, activity["id"])
    return None


def on_custody(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    """Create(EconomicEvent transferCustody): the handover (lender → borrower) or the return."""
    obj = activity["object"]
    if loan_remote.step_seen(obj.get("id") or activity["id"]):
        return "step already applied"
    loan = _loan_of(node, activity)
    step = obj.get("loanStep")
    if step not in agreements.CUSTODY_STEPS:
        raise Unacceptable("custody event without a known loanStep")
    party = author_of(sender)
    _apply(loans.hand_over if step == "handed_over" else loans.give_back, tx, party.id, loan.id)
    loan_remote.stamp_step(loan.id, obj.get("id") or activity["id"])
    return None
