"""Thanks after any help: a loan given back, a service or a gift arranged, an event enjoyed.

One word of thanks per (who, to whom, what); profiles count them and show the latest few —
never stars, never a score. Loan thanks come from loans.thank (here or through the other node);
services and gifts need a conversation between the two people (proof they met); events need the
thanker to have been going, once the event has begun. Thanks to or from a person of another
node travel to their node (outbox: Thanked), where `receive` applies the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import peewee as pw

from node.db import BaseModel
from node.i18n import _
from node.local.errors import Conflict, Invalid, InvalidTransition, NotAllowed, NotFound
from node.local.events.models import Event, Rsvp
from node.local.listings.models import Listing
from node.local.loans.models import Loan
from node.local.messages.models import Conversation, Message
from node.local.models import Resident, utcnow
from node.local.notifications.send import N_, notify
from node.local.tx import Change, Tx

KINDS = ("service", "gift", "loan", "event")
MAX_TEXT = 500


class Thanks(BaseModel):
    author = pw.ForeignKeyField(Resident, lazy_load=False, on_delete="CASCADE", backref="+")
    recipient = pw.ForeignKeyField(Resident, lazy_load=False, on_delete="CASCADE", backref="+")
    kind = pw.CharField(max_length=8)  # service | gift | loan | event
    subject = pw.CharField(max_length=40)  # "listing:12", "event:3", "loan:5"
    text = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = ((("author", "recipient", "subject"), True),)


THANKS_MODELS = [Thanks]


@dataclass(frozen=True)
class Thanked(Change):
    thanks_id: int


def _insert(tx: Tx, author: Resident, recipient: Resident, kind: str, subject: str, text: str):
    try:
        with Thanks._meta.database.atomic():  # a savepoint: a second thanks stays a clear 409
            return Thanks.create(
                author=author.id,
                recipient=recipient.id,
                kind=kind,
                subject=subject,
                text=text.strip()[:MAX_TEXT],
                created_at=tx.now,
            )
    except pw.IntegrityError:
        raise Conflict(_("You already said thank you.")) from None


def record_loan(tx: Tx, loan: Loan, author_id: int, text: str) -> None:
    """Called by loans.thank (local or from the other node): the loan's thanks counts too."""
    recipient_id = loan.borrower_id if author_id == loan.lender_id else loan.lender_id
    author, recipient = Resident.get_by_id(author_id), Resident.get_by_id(recipient_id)
    _insert(tx, author, recipient, "loan", f"loan:{loan.id}", text)


def _talked(a: int, b: int) -> bool:
    """Both wrote in their conversation: what shows a service or a gift was arranged."""
    first, second = sorted((a, b))
    conversation = Conversation.get_or_none(
        (Conversation.first == first) & (Conversation.second == second)
    )
    if conversation is None:
        return False
    senders = {
        m.sender_id
        for m in Message.select(Message.sender).where(Message.conversation == conversation.id)
    }
    return {a, b} <= senders


def _subject(tx: Tx, author: Resident, subject: str, subject_id: int, to: int | None):
    """(recipient, kind, key, title) of thanks `author` may give, or the domain's refusal."""
    if subject == "listing":
        listing = Listing.get_or_none(Listing.id == subject_id)
        if listing is None or listing.hidden:
            raise NotFound(_("No such listing."))
        if listing.type not in ("service", "gift"):
            raise InvalidTransition(_("Loans are thanked from the loan, once the object is back."))
        if author.id == listing.author_id:
            if to is None:
                raise Invalid(_("Say whom you thank."), {"to": _("Say whom you thank.")})
            recipient = Resident.get_or_none((Resident.id == to) & Resident.deleted_at.is_null())
        else:
            recipient = Resident.get_or_none(Resident.id == listing.author_id)
        if recipient is None:
            raise NotFound(_("No such resident."))
        if recipient.id == author.id:
            raise Invalid(_("You cannot thank yourself."), {"to": "self"})
        if not _talked(author.id, recipient.id):
            raise NotAllowed(_("Thanks follow help: write to each other about it first."))
        return recipient, listing.type, f"listing:{listing.id}", listing.title
    if subject == "event":
        event = Event.get_or_none(Event.id == subject_id)
        if event is None or event.hidden:
            raise NotFound(_("No such event."))
        recipient = Resident.get_by_id(event.organiser_id)
        if recipient.id == author.id:
            raise Invalid(_("You cannot thank yourself."), {"to": "self"})
        went = (
            Rsvp.select()
            .where((Rsvp.event == event.id) & (Rsvp.resident == author.id))
            .where(Rsvp.status == "going")
            .exists()
        )
        if not went:
            raise NotAllowed(_("Only people who went can thank the organiser."))
        if event.starts_at > tx.now:
            raise InvalidTransition(_("You can say thank you once the event has begun."))
        return recipient, "event", f"event:{event.id}", event.title
    raise Invalid(_("Thank for a listing or an event."), {"subject": "choice"})


def thank(
    tx: Tx, author_id: int, subject: str, subject_id: int, text: str = "", to: int | None = None
) -> Thanks:
    """Thank someone for a service or gift (subject "listing") or an event (subject "event")."""
    author = Resident.get_by_id(author_id)
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise Invalid(_("At most %(n)d characters.", n=MAX_TEXT), {"text": "length"})
    recipient, kind, key, title = _subject(tx, author, subject, subject_id, to)
    return _thanked(tx, author, recipient, kind, key, title, text)


def receive(
    tx: Tx, author_id: int, recipient_id: int, subject: str, subject_id: int, text: str
) -> Thanks:
    """Thanks from another node, under the same rules as here: they must name what the thanked
    resident did (the listing they wrote, the event they organised, or the help they received
    from the listing's author). The kind is the listing's here, whatever the thanks claim."""
    author = Resident.get_by_id(author_id)
    recipient, kind, key, title = _subject(tx, author, subject, subject_id, recipient_id)
    if recipient.id != recipient_id:
        raise NotAllowed(_("These thanks are not for this resident."))
    return _thanked(tx, author, recipient, kind, key, title, text.strip()[:MAX_TEXT])


def _thanked(tx: Tx, author: Resident, recipient: Resident, kind, key, title, text) -> Thanks:
    row = _insert(tx, author, recipient, kind, key, text)
    notify(
        recipient,
        "thanks",
        N_("%(name)s thanks you for “%(title)s”: %(text)s"),
        "",
        name=author.name,
        title=title,
        text=text or "🙂",
    )
    tx.record(Thanked(row.id))
    return row


@dataclass(frozen=True)
class Summary:
    count: int
    latest: list[dict]


def summary(resident_id: int, limit: int = 3) -> Summary:
    """How many thanks a resident received, and the latest few (who, for what, when, the words)."""
    query = Thanks.select().where(Thanks.recipient == resident_id)
    count = query.count()
    rows = list(query.order_by(Thanks.created_at.desc(), Thanks.id.desc()).limit(limit))
    authors = {
        r.id: r
        for r in Resident.select().where(Resident.id.in_([t.author_id for t in rows] or [0]))
    }
    latest = [
        {
            "from": authors[t.author_id].name if t.author_id in authors else "",
            "kind": t.kind,
            "text": t.text,
            "created_at": t.created_at,
        }
        for t in rows
    ]
    return Summary(count, latest)
