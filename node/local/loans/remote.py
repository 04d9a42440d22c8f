"""Loans with a person of another node: which activity each step came from, and the agreement's id.

A step applied from another node carries the incoming activity's id (LoanStep.external_ref): a
second delivery of it is recognised, and the outbox does not send it back.
"""

from __future__ import annotations

from node.local.loans.models import Loan, LoanStep


def step_seen(activity_id: str) -> bool:
    """True when a step was already applied from this activity."""
    return LoanStep.select().where(LoanStep.external_ref == activity_id).exists()


def stamp_step(loan_id: int, activity_id: str) -> None:
    """Mark the loan's latest step as applied from this activity."""
    step = LoanStep.select().where(LoanStep.loan == loan_id).order_by(LoanStep.id.desc()).first()
    LoanStep.update(external_ref=activity_id[:500]).where(LoanStep.id == step.id).execute()


def name_agreement(loan_id: int, ref: str, origin: str) -> None:
    """The loan is known on the other node as `ref` (their Offer, or the Agreement they accepted)."""
    Loan.update(external_ref=ref[:500], origin=origin).where(Loan.id == loan_id).execute()
