"""Loans: asking to borrow an object, and every step until it is back (and thanks)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import peewee as pw

from node.i18n import _
from node.local import inputs, notice_text, reach, thanks
from node.local.errors import Conflict, Invalid, InvalidTransition, NotAllowed, NotFound
from node.local.listings.models import Listing
from node.local.loans.models import Loan, LoanExtension, LoanStep
from node.local.loans.read import ACTIVE, STATE_LABELS, pending_extension
from node.local.models import Resident
from node.local.moderation.actions import ensure_can_publish
from node.local.moderation.models import Block
from node.local.notifications.send import N_, notify
from node.local.tx import Change, Tx

MAX_DAYS = 366


@dataclass(frozen=True)
class LoanRequested(Change):
    loan_id: int


@dataclass(frozen=True)
class LoanAccepted(Change):
    loan_id: int


@dataclass(frozen=True)
class LoanDeclined(Change):
    loan_id: int


@dataclass(frozen=True)
class LoanHandedOver(Change):
    loan_id: int


@dataclass(frozen=True)
class LoanReturned(Change):
    loan_id: int


@dataclass(frozen=True)
class LoanCancelled(Change):
    loan_id: int


@dataclass(frozen=True)
class LoanExtensionAsked(Change):
    loan_id: int


@dataclass(frozen=True)
class LoanExtended(Change):
    loan_id: int


@dataclass(frozen=True)
class LoanExtensionDeclined(Change):
    loan_id: int


@dataclass(frozen=True)
class LoanThanked(Change):
    loan_id: int


@dataclass(frozen=True)
class LoanDraft:
    """A request to borrow: dates and a message (pure)."""

    start: dt.date
    until: dt.date
    message: str = ""

    @classmethod
    def parse(cls, data: dict[str, Any], today: dt.date | None = None) -> LoanDraft:
        errors: dict[str, str] = {}
        start = _date(data.get("from"), "from", errors)
        until = _date(data.get("until"), "until", errors)
        message = str(data.get("message") or "").strip()
        if len(message) > 2000:
            errors["message"] = _("At most %(n)d characters.", n=2000)
        if start and until:
            if until < start:
                errors["until"] = _("The return date must be on or after the first day.")
            elif (until - start).days > MAX_DAYS:
                errors["until"] = _("A loan lasts at most a year.")
            elif today is not None and start < today:
                errors["from"] = _("The first day cannot be in the past.")
        if errors:
            raise Invalid(_("Please correct the marked fields."), errors)
        return cls(start, until, message)  # type: ignore[arg-type]


def _date(raw: Any, name: str, errors: dict[str, str]) -> dt.date | None:
    try:
        return inputs.parse_date(raw)
    except ValueError:
        errors[name] = _("Enter a date as YYYY-MM-DD.")
        return None


def parse_until(raw: Any) -> dt.date:
    errors: dict[str, str] = {}
    until = _date(raw, "until", errors)
    if until is None:
        raise Invalid(errors["until"], errors)
    return until


def _url(tx: Tx, loan_id: int) -> str:
    base = tx.settings.public_url.rstrip("/") if tx.settings is not None else ""
    return f"{base}/loans/{loan_id}"


def _blocked(a: int, b: int) -> bool:
    return (
        Block.select()
        .where(
            ((Block.blocker == a) & (Block.blocked == b))
            | ((Block.blocker == b) & (Block.blocked == a))
        )
        .exists()
    )


def _overlapping(listing_id: int, start: dt.date, until: dt.date, exclude: int | None = None):
    query = Loan.select().where(
        (Loan.listing == listing_id)
        & Loan.state.in_(ACTIVE)
        & (Loan.start <= until)
        & (Loan.until >= start)
    )
    if exclude is not None:
        query = query.where(Loan.id != exclude)
    return query.first()


def _lock_listing(listing_id: int) -> None:
    """Serialise the loans of one listing: PostgreSQL locks its row until the transaction ends.

    SQLite needs no lock here: every write transaction begins IMMEDIATE (node/db.py), so the
    overlap re-check below already runs alone."""
    if isinstance(Listing._meta.database.obj, pw.PostgresqlDatabase):
        Listing.select(Listing.id).where(Listing.id == listing_id).for_update().execute()


def _already_lent() -> Conflict:
    """Seen by the overlap check, or refused by the database (exclusion constraint or trigger,
    migration 0083): the same answer."""
    return Conflict(_("The object is already lent for some of these dates."))


def _step(tx: Tx, loan: Loan, step: str, actor_id: int | None, note: str = "") -> None:
    LoanStep.create(loan=loan.id, step=step, actor=actor_id, note=note, at=tx.now)


def _tell(tx: Tx, loan: Loan, actor_id: int, message: str, **variables: Any) -> None:
    """Notify the other party of the loan (in their language)."""
    other_id = loan.borrower_id if actor_id == loan.lender_id else loan.lender_id
    other = Resident.get_by_id(other_id)
    actor = Resident.get_by_id(actor_id)
    listing = Listing.get_by_id(loan.listing_id)
    notify(
        other, "loan", message, _url(tx, loan.id), name=actor.name, title=listing.title, **variables
    )


def request(tx: Tx, borrower_id: int, listing_id: int, draft: LoanDraft) -> Loan:
    """Ask to borrow the object of a loan offer for some dates."""
    listing = Listing.get_or_none(Listing.id == listing_id)
    if listing is None or listing.hidden:
        raise NotFound(_("No such listing."))
    borrower = Resident.get_or_none(Resident.id == borrower_id)
    if borrower is None or borrower.deleted_at is not None:
        raise NotFound(_("No such resident."))
    if borrower.is_local and not reach.may_see(listing, borrower):
        raise NotFound(_("No such listing."))  # (remote borrowers: their node applied the reach)
    if listing.type != "loan" or listing.kind != "offer":
        raise InvalidTransition(_("Only objects offered for loan can be borrowed."))
    if listing.state not in ("open", "reserved"):
        raise InvalidTransition(_("This object is not available for loan any more."))
    if listing.author_id == borrower_id:
        raise NotAllowed(_("You cannot borrow your own object."))
    if borrower.is_local:  # suspended, or unverified unless the node allows: no asking
        ensure_can_publish(tx, borrower)
    if _blocked(listing.author_id, borrower_id):
        raise NotAllowed(_("You cannot ask this neighbour to lend you something."))
    if _overlapping(listing_id, draft.start, draft.until):
        raise _already_lent()
    loan = Loan.create(
        listing=listing_id,
        lender=listing.author_id,
        borrower=borrower_id,
        start=draft.start,
        until=draft.until,
        message=draft.message,
        state="requested",
        created_at=tx.now,
        updated_at=tx.now,
    )
    _step(tx, loan, "requested", borrower_id, draft.message)
    _tell(tx, loan, borrower_id, N_("%(name)s asks to borrow “%(title)s”."))
    tx.record(LoanRequested(loan.id))
    return loan


def _party(loan: Loan, actor_id: int, *roles: str) -> str:
    """The actor's role on the loan, if it is one of `roles`; NotAllowed otherwise."""
    role = (
        "lender"
        if actor_id == loan.lender_id
        else "borrower"
        if actor_id == loan.borrower_id
        else None
    )
    if role is None:
        raise NotAllowed(_("This loan is between other neighbours."))
    if role not in roles:
        if role == "lender":
            raise NotAllowed(_("Only the borrower can do this."))
        raise NotAllowed(_("Only the lender can do this."))
    return role


def _load(loan_id: int) -> Loan:
    loan = Loan.get_or_none(Loan.id == loan_id)
    if loan is None:
        raise NotFound(_("No such loan."))
    return loan


def _move(tx: Tx, loan: Loan, allowed_from: tuple[str, ...], state: str, actor_id: int) -> None:
    if loan.state not in allowed_from:
        raise InvalidTransition(
            _(
                "This loan is %(state)s: it cannot be %(new)s.",
                state=_(STATE_LABELS[loan.state]),
                new=_(STATE_LABELS[state]),
            )
        )
    # the row is re-read under the new state only if nobody moved it meanwhile
    changed = (
        Loan.update(state=state, updated_at=tx.now)
        .where((Loan.id == loan.id) & (Loan.state == loan.state))
        .execute()
    )
    if not changed:
        raise InvalidTransition(_("This loan changed meanwhile; please reload."))
    loan.state = state
    _step(tx, loan, state, actor_id)


def accept(tx: Tx, actor_id: int, loan_id: int) -> Loan:
    loan = _load(loan_id)
    _party(loan, actor_id, "lender")
    _lock_listing(loan.listing_id)
    loan = _load(loan_id)  # read again under the lock
    if loan.state == "requested" and _overlapping(loan.listing_id, loan.start, loan.until, loan.id):
        raise _already_lent()
    try:
        with Loan._meta.database.atomic():  # a savepoint: the refusal leaves the transaction usable
            _move(tx, loan, ("requested",), "accepted", actor_id)
    except pw.IntegrityError:
        raise _already_lent() from None
    _tell(tx, loan, actor_id, N_("%(name)s accepted to lend you “%(title)s”."))
    tx.record(LoanAccepted(loan.id))
    return loan


def decline(tx: Tx, actor_id: int, loan_id: int) -> Loan:
    loan = _load(loan_id)
    _party(loan, actor_id, "lender")
    _move(tx, loan, ("requested",), "declined", actor_id)
    _tell(tx, loan, actor_id, N_("%(name)s cannot lend you “%(title)s” this time."))
    tx.record(LoanDeclined(loan.id))
    return loan


def hand_over(tx: Tx, actor_id: int, loan_id: int) -> Loan:
    """Either side confirms the object changed hands."""
    loan = _load(loan_id)
    _party(loan, actor_id, "lender", "borrower")
    _move(tx, loan, ("accepted",), "handed_over", actor_id)
    _tell(tx, loan, actor_id, N_("%(name)s confirmed the handover of “%(title)s”."))
    tx.record(LoanHandedOver(loan.id))
    return loan


def give_back(tx: Tx, actor_id: int, loan_id: int) -> Loan:
    """The lender confirms the object is back (only they know)."""
    loan = _load(loan_id)
    _party(loan, actor_id, "lender")
    _move(tx, loan, ("handed_over",), "returned", actor_id)
    LoanExtension.update(state="declined").where(
        (LoanExtension.loan == loan.id) & (LoanExtension.state == "asked")
    ).execute()
    _tell(tx, loan, actor_id, N_("%(name)s confirmed that “%(title)s” is back. Thank you!"))
    tx.record(LoanReturned(loan.id))
    return loan


def cancel(tx: Tx, actor_id: int, loan_id: int) -> Loan:
    """The borrower withdraws a request; either side calls off an accepted loan before handover."""
    loan = _load(loan_id)
    role = _party(loan, actor_id, "lender", "borrower")
    if loan.state == "requested" and role == "lender":
        raise NotAllowed(_("Decline the request instead."))
    _move(tx, loan, ("requested", "accepted"), "cancelled", actor_id)
    _tell(tx, loan, actor_id, N_("%(name)s cancelled the loan of “%(title)s”."))
    tx.record(LoanCancelled(loan.id))
    return loan


def ask_extension(tx: Tx, actor_id: int, loan_id: int, until: dt.date) -> LoanExtension:
    """The borrower asks to keep the object longer; the lender answers."""
    loan = _load(loan_id)
    _party(loan, actor_id, "borrower")
    if loan.state not in ACTIVE:
        raise InvalidTransition(_("Only an accepted or ongoing loan can be extended."))
    if until <= loan.until:
        message = _("The new return date must be after the current one.")
        raise Invalid(message, {"until": message})
    if (until - loan.start).days > MAX_DAYS:
        message = _("A loan lasts at most a year.")
        raise Invalid(message, {"until": message})
    if pending_extension(loan.id) is not None:
        raise Conflict(_("An extension is already waiting for an answer."))
    extension = LoanExtension.create(loan=loan.id, until=until, state="asked", created_at=tx.now)
    _step(tx, loan, "extension_asked", actor_id, until.isoformat())
    _tell(
        tx,
        loan,
        actor_id,
        N_("%(name)s asks to keep “%(title)s” until %(until)s."),
        until=notice_text.day(until),
    )
    tx.record(LoanExtensionAsked(loan.id))
    return extension


def answer_extension(tx: Tx, actor_id: int, loan_id: int, agree: bool) -> Loan:
    loan = _load(loan_id)
    _party(loan, actor_id, "lender")
    extension = pending_extension(loan.id)
    if extension is None:
        raise InvalidTransition(_("No extension is waiting for an answer."))
    if agree:
        _lock_listing(loan.listing_id)
        if _overlapping(loan.listing_id, loan.start, extension.until, loan.id):
            raise _already_lent()
        extension.state = "accepted"
        loan.until = extension.until
        # only the changed columns, and only while the loan still holds the object
        try:
            with Loan._meta.database.atomic():
                changed = (
                    Loan.update(
                        until=extension.until,
                        reminded_before=False,  # new date, new reminders
                        reminded_overdue=False,
                        updated_at=tx.now,
                    )
                    .where((Loan.id == loan.id) & Loan.state.in_(ACTIVE))
                    .execute()
                )
        except pw.IntegrityError:
            raise _already_lent() from None
        if not changed:
            raise InvalidTransition(_("This loan changed meanwhile; please reload."))
        _step(tx, loan, "extended", actor_id, extension.until.isoformat())
        _tell(tx, loan, actor_id, N_("%(name)s agreed: keep “%(title)s” longer."))
        tx.record(LoanExtended(loan.id))
    else:
        extension.state = "declined"
        _step(tx, loan, "not_extended", actor_id)
        _tell(tx, loan, actor_id, N_("%(name)s needs “%(title)s” back on the planned date."))
        tx.record(LoanExtensionDeclined(loan.id))
    extension.save()
    return loan


def thank(tx: Tx, actor_id: int, loan_id: int, message: str = "") -> Loan:
    """After the return, each side may thank the other once."""
    loan = _load(loan_id)
    role = _party(loan, actor_id, "lender", "borrower")
    if loan.state != "returned":
        raise InvalidTransition(_("You can say thank you once the object is back."))
    flag = "lender_thanked" if role == "lender" else "borrower_thanked"
    already = InvalidTransition(_("You already said thank you."))
    # a conditional update: of thanks sent at once, one finds the flag unset (the others wait for
    # its row lock on PostgreSQL, then match nothing); a unique index (migration 0083) backs it
    column = getattr(Loan, flag)
    changed = (
        Loan.update({column: True})
        .where((Loan.id == loan.id) & (column == False) & (Loan.state == "returned"))  # noqa: E712
        .execute()
    )
    if not changed:
        raise already
    setattr(loan, flag, True)
    try:
        with Loan._meta.database.atomic():
            _step(tx, loan, "thanked", actor_id, message.strip()[:1000])
    except pw.IntegrityError:
        raise already from None
    thanks.record_loan(tx, loan, actor_id, message)  # counted on profiles with every thanks
    text = message.strip()[:1000]
    if text:  # the thanks themselves, not only that they were said
        _tell(
            tx, loan, actor_id, N_("%(name)s said thank you for “%(title)s”: %(text)s"), text=text
        )
    else:
        _tell(tx, loan, actor_id, N_("%(name)s thanks you for the loan of “%(title)s”."))
    tx.record(LoanThanked(loan.id))
    return loan
