"""Outbox builders of activities addressed to one actor of another node: loans, RSVPs, messages,
reports.

Only steps taken HERE travel: a step applied from another node carries the incoming activity's id
(LoanStep.external_ref), and remote answers to our Joins record no change, so nothing echoes back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from html import escape
from typing import Any

from node.activitypub import agreements, as_activities, participation, vocab
from node.activitypub.models import INSTANCE, RemoteActor
from node.local.events import remote_rsvps
from node.local.events.models import Event, Rsvp
from node.local.events.write import answer_of
from node.local.listings.models import Listing
from node.local.loans.models import Loan, LoanStep
from node.local.messages.models import Conversation, Message
from node.local.models import Resident
from node.local.moderation.models import Report
from node.local.thanks import Thanks
from node.local.tx import Change
from node.runtime import Node

Outgoing = tuple[str, dict[str, Any], list[str]]


def uri_of(node: Node, resident: Resident) -> str:
    return node.urls.actor(resident.username) if resident.is_local else resident.external_ref


def _remote(resident: Resident) -> RemoteActor | None:
    if resident.is_local or not resident.external_ref:
        return None
    return RemoteActor.get_or_none(RemoteActor.uri == resident.external_ref)


# ---------------------------------------------------------------- loans


def _offer_ref(node: Node, loan: Loan, lender_local: bool) -> str:
    """The id of the Offer that opened the loan (ours, or the borrower node's)."""
    if not lender_local:
        return node.urls.loan(loan.id) + "#offer"
    first = (
        LoanStep.select().where((LoanStep.loan == loan.id) & (LoanStep.step == "requested")).first()
    )
    return (first.external_ref if first else None) or loan.external_ref or ""


def _asked_ref(loan: Loan) -> str:
    step = (
        LoanStep.select()
        .where((LoanStep.loan == loan.id) & (LoanStep.step == "extension_asked"))
        .order_by(LoanStep.id.desc())
        .first()
    )
    return (step.external_ref or "") if step else ""


def loan_step(node: Node, change: Change, now: dt.datetime) -> Iterator[Outgoing]:
    """The latest step of a loan taken by our resident → the activity for the other party's node."""
    loan = Loan.get_or_none(Loan.id == change.loan_id)
    if loan is None:
        return
    step = LoanStep.select().where(LoanStep.loan == loan.id).order_by(LoanStep.id.desc()).first()
    if step is None or step.external_ref is not None or step.actor_id is None:
        return
    lender, borrower = Resident.get_by_id(loan.lender_id), Resident.get_by_id(loan.borrower_id)
    actor = lender if step.actor_id == lender.id else borrower
    other = borrower if actor is lender else lender
    remote = _remote(other)
    if not actor.is_local or remote is None:
        return
    urls = node.urls
    me, them = uri_of(node, actor), remote.uri
    lender_uri, borrower_uri = uri_of(node, lender), uri_of(node, borrower)
    listing = Listing.get_by_id(loan.listing_id)
    listing_ref = listing.external_ref or urls.listing(listing.id)
    offer_ref = _offer_ref(node, loan, lender.is_local)
    # The agreement is the lender's loan URL; until the borrower's node knows it, the Offer.
    context = urls.loan(loan.id) if lender.is_local else (loan.external_ref or offer_ref)
    ident = f"{urls.loan(loan.id)}#step-{step.id}"
    kind = step.step
    if kind == "requested":
        activity = agreements.offer(
            offer_ref, me, them, listing_ref, loan.start, loan.until, loan.message
        )
    elif kind == "accepted":
        result = agreements.agreement(context, me, listing_ref, loan.start, loan.until)
        activity = agreements.answer(
            "Accept", urls.loan(loan.id) + "#accept", me, them, offer_ref, context, result
        )
    elif kind == "declined":
        activity = agreements.answer("Reject", ident, me, them, offer_ref, context)
    elif kind == "cancelled":
        if actor is borrower:
            activity = agreements.undo(ident, me, them, offer_ref, "Offer", context)
        else:
            accept_id = urls.loan(loan.id) + "#accept"
            activity = agreements.undo(ident, me, them, accept_id, "Accept", context)
    elif kind in agreements.CUSTODY_STEPS:
        activity = agreements.custody(ident, me, them, kind, lender_uri, borrower_uri, context)
    elif kind == "extension_asked":
        until = agreements.day(step.note)
        if until is None:
            return
        activity = agreements.extension_offer(ident, me, them, until, context)
    elif kind in ("extended", "not_extended"):
        verb = "Accept" if kind == "extended" else "Reject"
        activity = agreements.answer(verb, ident, me, them, _asked_ref(loan), context)
    elif kind == "thanked":
        name = f"@{other.username}@{other.host}"
        activity = agreements.thanks(
            ident, me, them, name, step.note, context, actor.language or listing.language
        )
    else:
        return
    yield actor.username, activity, [remote.inbox or remote.shared_inbox]


def thanked(node: Node, change: Change, now: dt.datetime) -> Iterator[Outgoing]:
    """Our resident thanks a person of another node for a service, a gift or an event: a direct
    Note to them alone, shaped as loan thanks, naming the listing or event (its origin's id)."""
    row = Thanks.get_or_none(Thanks.id == change.thanks_id)
    if row is None:
        return
    author, recipient = Resident.get_by_id(row.author_id), Resident.get_by_id(row.recipient_id)
    remote = _remote(recipient)
    if not author.is_local or remote is None:
        return  # thanks received from another node (or between neighbours here) go nowhere
    subject, number = row.subject.split(":", 1)
    model = Event if subject == "event" else Listing
    item = model.get_or_none(model.id == int(number))
    if item is None:
        return
    urls = node.urls
    ref = item.external_ref or (
        urls.event(item.id) if subject == "event" else urls.listing(item.id)
    )
    name = f"@{recipient.username}@{recipient.host}"
    activity = agreements.thanks(
        f"{urls.base}/thanks/{row.id}",
        urls.actor(author.username),
        remote.uri,
        name,
        row.text,
        ref,
        author.language or item.language,
        thanks_for=row.kind,
    )
    yield author.username, activity, [remote.inbox or remote.shared_inbox]


# ---------------------------------------------------------------- RSVPs


def rsvp_changed(node: Node, change: Change, now: dt.datetime) -> Iterator[Outgoing]:
    """Our resident joins / leaves a remote event, or we answer a remote participant."""
    rsvp = Rsvp.get_or_none(Rsvp.id == change.rsvp_id)
    event = Event.get_or_none(Event.id == change.event_id)
    if rsvp is None or event is None:
        return
    resident = Resident.get_by_id(rsvp.resident_id)
    organiser = Resident.get_by_id(event.organiser_id)
    urls = node.urls
    if event.external_ref is not None and resident.is_local:
        remote = _remote(organiser)
        if remote is None:
            return
        me = urls.actor(resident.username)
        ident = as_activities.activity_id(urls, rsvp.status, rsvp.id, now.isoformat())
        if rsvp.status == "pending":
            activity = participation.join(ident, me, event.external_ref, remote.uri, rsvp.message)
            # Kept so that an answer naming our Join only by its id still finds it (Mobilizon).
            remote_rsvps.remember_join(rsvp.id, ident)
        elif rsvp.status == "not_going":
            activity = participation.leave(ident, me, event.external_ref, remote.uri)
        else:
            return
        yield resident.username, activity, [remote.inbox or remote.shared_inbox]
        return
    remote = _remote(resident)
    kind = participation.ANSWERS.get(rsvp.status)
    if event.external_ref is not None or remote is None or not rsvp.external_ref or kind is None:
        return
    join_doc = participation.embedded_join(rsvp.external_ref, remote.uri, urls.event(event.id))
    position = answer_of(event.id, resident.id)[1] if rsvp.status == "waiting" else None
    ident = as_activities.activity_id(urls, kind, rsvp.external_ref, rsvp.status, now.isoformat())
    activity = participation.answer(kind, ident, urls.actor(organiser.username), join_doc, position)
    yield organiser.username, activity, [remote.inbox or remote.shared_inbox]


# ---------------------------------------------------------------- messages


def message_sent(node: Node, change: Change, now: dt.datetime) -> Iterator[Outgoing]:
    """A direct Note to the remote person only: no Public, no followers, a Mention tag."""
    message = Message.get_or_none(Message.id == change.message_id)
    if message is None or message.external_ref is not None:
        return
    conversation = Conversation.get_by_id(message.conversation_id)
    sender = Resident.get_by_id(message.sender_id)
    other_id = (
        conversation.second_id if conversation.first_id == sender.id else conversation.first_id
    )
    other = Resident.get_by_id(other_id)
    remote = _remote(other)
    if remote is None or not sender.is_local:
        return
    urls = node.urls
    me = urls.actor(sender.username)
    name = f"@{other.username}@{other.host}"
    href = escape(other.profile_url or remote.uri)
    mention = (
        f'<span class="h-card"><a href="{href}" class="u-url mention">{escape(name)}</a></span>'
    )
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in message.text.split("\n") if line)
    content = f"<p>{mention}</p>{paragraphs}"
    previous = (
        Message.select()
        .where(
            (Message.conversation == conversation.id)
            & (Message.sender == other.id)
            & Message.external_ref.is_null(False)
        )
        .order_by(Message.id.desc())
        .first()
    )
    note: dict[str, Any] = {
        "id": urls.message(message.id),
        "type": "Note",
        "attributedTo": me,
        "to": [remote.uri],
        "cc": [],
        "content": content,
        "mediaType": "text/html",
        "published": as_activities.iso(message.created_at),
        "tag": [{"type": "Mention", "href": remote.uri, "name": name}],
        "directMessage": True,
    }
    if previous is not None:
        note["inReplyTo"] = previous.external_ref
    if sender.language:
        note["contentMap"] = {sender.language: content}
    activity = as_activities.wrap_create(urls, me, note, [remote.uri], [], message.id)
    activity["@context"] = [
        vocab.AS_CONTEXT,
        {"directMessage": "litepub:directMessage", "litepub": "http://litepub.social/ns#"},
    ]
    yield sender.username, activity, [remote.inbox or remote.shared_inbox]


# ---------------------------------------------------------------- reports


def report_filed(node: Node, change: Change, now: dt.datetime) -> Iterator[Outgoing]:
    """A report about a remote item or person → Flag to its origin, from the instance actor."""
    report = Report.get_or_none(Report.id == change.report_id)
    if report is None or report.external_ref is not None:
        return
    objects: list[str] = []
    author: Resident | None = None
    if report.target_type in ("listing", "event"):
        model = Listing if report.target_type == "listing" else Event
        row = model.get_or_none(model.id == report.target_id)
        if row is None or row.external_ref is None:
            return
        author_id = row.author_id if report.target_type == "listing" else row.organiser_id
        author = Resident.get_by_id(author_id)
        objects = [row.external_ref]
    elif report.target_type == "resident":
        author = Resident.get_or_none(Resident.id == report.target_id)
    elif report.target_type == "message":
        message = Message.get_or_none(Message.id == report.target_id)
        if message is None or message.external_ref is None:
            return
        author = Resident.get_by_id(message.sender_id)
        objects = [message.external_ref]
    remote = _remote(author) if author is not None else None
    if remote is None:
        return
    actor = node.urls.instance_actor()  # Mastodon flags as the instance: the reporter stays private
    activity = {
        "@context": vocab.AS_CONTEXT,
        "id": as_activities.activity_id(node.urls, "Flag", report.id),
        "type": "Flag",
        "actor": actor,
        "to": [remote.uri],
        "object": [remote.uri, *objects],
        "content": report.reason,
    }
    yield INSTANCE, activity, [remote.shared_inbox or remote.inbox]
