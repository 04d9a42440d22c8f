"""Loan reminders: the day before the return date, and once when the loan is overdue."""

from __future__ import annotations

import datetime as dt

from node.local import notice_text
from node.local.listings.models import Listing
from node.local.loans.models import Loan
from node.local.models import Resident
from node.local.notifications.send import N_, notify
from node.local.tx import Tx


def _url(tx: Tx, loan_id: int) -> str:
    base = tx.settings.public_url.rstrip("/") if tx.settings is not None else ""
    return f"{base}/loans/{loan_id}"


def remind_due(tx: Tx, today: dt.date | None = None) -> int:
    """Remind both sides the day before the return date and once when it is overdue."""
    today = today or tx.now.date()
    sent = 0
    soon = Loan.select().where(
        (Loan.state == "handed_over")
        & (Loan.until == today + dt.timedelta(days=1))
        & (Loan.reminded_before == False)  # noqa: E712
    )
    for loan in soon:
        # Conditional, and before the notices: of several processes reminding at once, only the
        # one whose UPDATE changed the row sends them (the others wait for its row lock, then
        # find it reminded).
        marked = (
            Loan.update(reminded_before=True)
            .where((Loan.id == loan.id) & (Loan.reminded_before == False))  # noqa: E712
            .execute()
        )
        if not marked:
            continue
        for resident_id in (loan.lender_id, loan.borrower_id):
            _remind(tx, loan, resident_id, N_("Reminder: “%(title)s” goes back tomorrow."))
        sent += 1
    late = Loan.select().where(
        (Loan.state == "handed_over") & (Loan.until < today) & (Loan.reminded_overdue == False)  # noqa: E712
    )
    for loan in late:
        marked = (
            Loan.update(reminded_overdue=True, reminded_before=True)
            .where((Loan.id == loan.id) & (Loan.reminded_overdue == False))  # noqa: E712
            .execute()
        )
        if not marked:
            continue
        for resident_id in (loan.lender_id, loan.borrower_id):
            _remind(tx, loan, resident_id, N_("“%(title)s” was due back on %(until)s."))
        sent += 1
    return sent


def _remind(tx: Tx, loan: Loan, resident_id: int, message: str) -> None:
    listing = Listing.get_by_id(loan.listing_id)
    resident = Resident.get_by_id(resident_id)
    notify(
        resident,
        "loan_reminder",
        message,
        _url(tx, loan.id),
        title=listing.title,
        until=notice_text.day(loan.until),
    )
