"""Private messages between two residents; nobody else reads them unless a participant reports one."""

from __future__ import annotations

from dataclasses import dataclass

import peewee as pw

from node.i18n import _
from node.local import reach
from node.local.errors import Invalid, NotAllowed, NotFound
from node.local.listings.models import Listing
from node.local.loans.models import Loan
from node.local.messages.models import Conversation, Message
from node.local.models import Resident
from node.local.moderation.actions import blocked_between, ensure_can_publish
from node.local.notifications.send import N_, notify
from node.local.tx import Change, Tx

MAX_TEXT = 5000


@dataclass(frozen=True)
class MessageSent(Change):
    message_id: int


def _pair(a: int, b: int) -> tuple[int, int]:
    # one row per pair, whoever wrote first: the smaller id is always `first`
    return (a, b) if a < b else (b, a)


def conversation_between(a: int, b: int) -> Conversation | None:
    first, second = _pair(a, b)
    return Conversation.get_or_none((Conversation.first == first) & (Conversation.second == second))


def send(
    tx: Tx,
    sender_id: int,
    recipient_id: int,
    body: str,
    listing_id: int | None = None,
    loan_id: int | None = None,
) -> Message:
    body = (body or "").strip()
    if not body:
        raise Invalid(_("Write a message."), {"text": _("Write a message.")})
    if len(body) > MAX_TEXT:
        raise Invalid(_("At most %(n)d characters.", n=MAX_TEXT), {"text": "length"})
    sender = Resident.get_by_id(sender_id)
    ensure_can_publish(tx, sender)
    recipient = Resident.get_or_none((Resident.id == recipient_id) & Resident.deleted_at.is_null())
    if recipient is None:
        raise NotFound(_("No such resident."))
    if recipient.id == sender.id:
        raise Invalid(_("You cannot write to yourself."), {"to": "self"})
    if blocked_between(sender.id, recipient.id):
        raise NotAllowed(_("You cannot write to this neighbour."))
    listing = Listing.get_or_none(Listing.id == listing_id) if listing_id is not None else None
    if listing is None or not reach.may_see(listing, sender):
        listing_id = None  # never refer to a listing the sender may not read
    if loan_id is not None and not Loan.select().where(Loan.id == loan_id).exists():
        loan_id = None
    conversation = conversation_between(sender.id, recipient.id)
    first, second = _pair(sender.id, recipient.id)
    if conversation is None:
        conversation = Conversation.create(
            first=first,
            second=second,
            listing=listing_id,
            loan=loan_id,
            created_at=tx.now,
            updated_at=tx.now,
        )
    else:
        conversation.updated_at = tx.now
        if listing_id:
            conversation.listing = listing_id
        if loan_id:
            conversation.loan = loan_id
        conversation.save()
    message = Message.create(
        conversation=conversation.id, sender=sender.id, text=body, created_at=tx.now
    )
    tx.record(MessageSent(message.id))
    notify(
        recipient,
        "message",
        N_("New message from %(name)s."),
        _url(tx, f"/messages/{conversation.id}"),
        name=sender.name,
    )
    return message


def _url(tx: Tx, path: str) -> str:
    return (tx.settings.public_url.rstrip("/") if tx.settings else "") + path


def get_conversation(conversation_id: int, viewer_id: int) -> Conversation:
    """The conversation, for its two participants only (404 for anyone else: no probing)."""
    conversation = (
        Conversation.select()
        .where(
            (Conversation.id == conversation_id)
            & ((Conversation.first == viewer_id) | (Conversation.second == viewer_id))
        )
        .first()
    )
    if conversation is None:
        raise NotFound(_("No such conversation."))
    return conversation


def other_party(conversation: Conversation, viewer_id: int) -> Resident:
    other = conversation.second_id if conversation.first_id == viewer_id else conversation.first_id
    return Resident.get_by_id(other)


def read(tx: Tx, conversation_id: int, viewer_id: int, limit: int = 200) -> list[Message]:
    """The latest messages, oldest first; marks the other party's messages read."""
    conversation = get_conversation(conversation_id, viewer_id)
    Message.update(read_at=tx.now).where(
        (Message.conversation == conversation.id)
        & (Message.sender != viewer_id)
        & Message.read_at.is_null()
    ).execute()
    rows = list(
        Message.select()
        .where(Message.conversation == conversation.id)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    )
    return rows[::-1]


def unread_count(resident_id: int) -> int:
    return (
        Message.select()
        .join(Conversation)
        .where(
            ((Conversation.first == resident_id) | (Conversation.second == resident_id))
            & (Message.sender != resident_id)
            & Message.read_at.is_null()
        )
        .count()
    )


@dataclass
class ConversationSummary:
    conversation: Conversation
    other: Resident
    last: Message | None
    unread: int


def conversations(resident_id: int, limit: int = 50) -> list[ConversationSummary]:
    """The resident's conversations, most recent first, with the last message and unread count."""
    rows = list(
        Conversation.select()
        .where((Conversation.first == resident_id) | (Conversation.second == resident_id))
        .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
        .limit(limit)
    )
    if not rows:
        return []
    ids = [c.id for c in rows]
    unread = dict(
        Message.select(Message.conversation, pw.fn.COUNT(Message.id))
        .where(
            Message.conversation.in_(ids)
            & (Message.sender != resident_id)
            & Message.read_at.is_null()
        )
        .group_by(Message.conversation)
        .tuples()
    )
    others = {
        r.id: r
        for r in Resident.select().where(
            Resident.id.in_(
                [c.second_id if c.first_id == resident_id else c.first_id for c in rows]
            )
        )
    }
    result = []
    for c in rows:
        last = (
            Message.select()
            .where(Message.conversation == c.id)
            .order_by(Message.created_at.desc(), Message.id.desc())
            .first()
        )
        other_id = c.second_id if c.first_id == resident_id else c.first_id
        result.append(ConversationSummary(c, others[other_id], last, unread.get(c.id, 0)))
    return result


def visible_message(message_id: int, viewer: Resident) -> Message:
    """A message for its participants, or for a moderator once a participant reported it."""
    from node.local.moderation.actions import reported_message_ids

    message = Message.get_or_none(Message.id == message_id)
    if message is None:
        raise NotFound(_("No such message."))
    conversation = Conversation.get_by_id(message.conversation_id)
    if viewer.id in (conversation.first_id, conversation.second_id):
        return message
    if viewer.role in ("moderator", "admin") and message.id in reported_message_ids(viewer):
        return message
    raise NotFound(_("No such message."))


def ensure_may_write(sender: Resident, recipient: Resident) -> None:
    if blocked_between(sender.id, recipient.id):
        raise NotAllowed(_("You cannot write to this neighbour."))


def receive(tx: Tx, sender_id: int, recipient_id: int, body: str, ref: str) -> Message | None:
    """A direct message from a remote person (already delivered to us): same conversation rules."""
    if Message.select().where(Message.external_ref == ref).exists():
        return None  # the same Note twice is kept once
    body = (body or "").strip()[:MAX_TEXT]
    recipient = Resident.get_or_none((Resident.id == recipient_id) & Resident.deleted_at.is_null())
    if not body or recipient is None or not recipient.is_local:
        raise NotFound(_("No such resident."))
    if blocked_between(sender_id, recipient_id):
        raise NotAllowed(_("You cannot write to this neighbour."))
    conversation = conversation_between(sender_id, recipient_id)
    if conversation is None:
        first, second = _pair(sender_id, recipient_id)
        conversation = Conversation.create(
            first=first, second=second, created_at=tx.now, updated_at=tx.now
        )
    else:
        conversation.updated_at = tx.now
        conversation.save()
    message = Message.create(
        conversation=conversation.id,
        sender=sender_id,
        text=body,
        created_at=tx.now,
        external_ref=ref[:500],
    )
    sender = Resident.get_by_id(sender_id)
    notify(
        recipient,
        "message",
        N_("New message from %(name)s."),
        _url(tx, f"/messages/{conversation.id}"),
        name=sender.name,
    )
    return message
