"""Reading loans: one loan with its parties, a resident's loans, an object's history, next moves."""

from __future__ import annotations

from typing import Any

import peewee as pw

from node.i18n import _
from node.local.errors import NotFound
from node.local.listings.models import Listing
from node.local.loans.models import Loan, LoanExtension, LoanStep
from node.local.models import Resident
from node.local.notifications.send import N_

ACTIVE = ("accepted", "handed_over")  # loans that hold the object for their dates


def _joined() -> Any:
    """Loans with their listing, lender and borrower joined (one query)."""
    Lender, Borrower = Resident.alias(), Resident.alias()
    return (
        Loan.select(Loan, Listing, Lender, Borrower)
        .join(Listing, on=(Loan.listing == Listing.id))
        .switch(Loan)
        .join(Lender, on=(Loan.lender == Lender.id), attr="lender")
        .switch(Loan)
        .join(Borrower, on=(Loan.borrower == Borrower.id), attr="borrower")
    )


def get(loan_id: int) -> Loan:
    """A loan with its listing, lender and borrower joined."""
    loan = _joined().where(Loan.id == loan_id).first()
    if loan is None:
        raise NotFound(_("No such loan."))
    return loan


def pending_extension(loan_id: int) -> LoanExtension | None:
    return (
        LoanExtension.select()
        .where((LoanExtension.loan == loan_id) & (LoanExtension.state == "asked"))
        .first()
    )


def steps(loan_id: int) -> list[LoanStep]:
    return list(
        LoanStep.select(LoanStep, Resident)
        .join(Resident, pw.JOIN.LEFT_OUTER, on=(LoanStep.actor == Resident.id))
        .where(LoanStep.loan == loan_id)
        .order_by(LoanStep.at, LoanStep.id)
    )


def history(listing_id: int) -> list[Loan]:
    """Every loan of an object, newest first, each with its `step_list`."""
    loans = list(
        Loan.select().where(Loan.listing == listing_id).order_by(Loan.start.desc(), Loan.id.desc())
    )
    for loan in loans:
        loan.step_list = steps(loan.id)
    return loans


def of_resident(
    resident_id: int, role: str | None = None, limit: int = 50, before: int | None = None
) -> list[Loan]:
    """A resident's loans as lender and/or borrower, newest first."""
    query = _joined()
    if role == "lender":
        query = query.where(Loan.lender == resident_id)
    elif role == "borrower":
        query = query.where(Loan.borrower == resident_id)
    else:
        query = query.where((Loan.lender == resident_id) | (Loan.borrower == resident_id))
    if before is not None:
        query = query.where(Loan.id < before)
    return list(query.order_by(Loan.id.desc()).limit(limit))


def may_see(loan: Loan, resident: Resident) -> bool:
    return resident.id in (loan.lender_id, loan.borrower_id)


STATE_LABELS = {
    "requested": N_("requested"),
    "accepted": N_("accepted"),
    "declined": N_("declined"),
    "handed_over": N_("handed over"),
    "returned": N_("returned"),
    "cancelled": N_("cancelled"),
}


def moves_for(loan: Loan, resident_id: int, extension: LoanExtension | None) -> list[str]:
    """The moves this resident may make now (what the loan page offers as buttons)."""
    lender = resident_id == loan.lender_id
    borrower = resident_id == loan.borrower_id
    state = loan.state
    moves: list[str] = []
    if state == "requested":
        moves += ["accept", "decline"] if lender else ["cancel"] if borrower else []
    elif state == "accepted":
        moves += ["handover", "cancel"] if lender or borrower else []
    elif state == "handed_over" and lender:
        moves.append("return")
    if state in ACTIVE and borrower and extension is None:
        moves.append("extend")
    if extension is not None and lender and state in ACTIVE:
        moves += ["extend_accept", "extend_decline"]
    if state == "returned" and (
        (lender and not loan.lender_thanked) or (borrower and not loan.borrower_thanked)
    ):
        moves.append("thank")
    return moves
