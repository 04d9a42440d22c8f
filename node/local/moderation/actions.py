"""Moderation: reports, the moderators' queue, hiding content, warnings, suspensions, blocks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from node.i18n import _
from node.local import moderation_notices, reach
from node.local.accounts import sessions as login_sessions
from node.local.errors import Invalid, InvalidTransition, NotAllowed, NotFound
from node.local.events.models import Event
from node.local.listings.models import Listing
from node.local.messages.models import Conversation, Message
from node.local.models import Announcement, Comment, Resident
from node.local.moderation.models import Block, ModerationAction, Report
from node.local.notifications.send import N_, notify
from node.local.tx import Change, Tx

TARGETS = ("listing", "event", "message", "comment", "resident", "announcement")
HIDEABLE = {"listing": Listing, "event": Event, "comment": Comment, "announcement": Announcement}
ACTIONS = ("hide", "unhide", "remove", "warn", "suspend", "unsuspend", "dismiss")
# what the public moderation log says instead of the reason's text
REASON_CATEGORIES = (
    "spam",
    "scam",
    "harassment",
    "hate",
    "illegal",
    "privacy",
    "unsafe",
    "off_topic",
    "misinformation",
    "other",
)


@dataclass(frozen=True)
class ReportFiled(Change):
    report_id: int


@dataclass(frozen=True)
class ContentHidden(Change):
    target_type: str
    target_id: int


@dataclass(frozen=True)
class ContentRemoved(Change):
    target_type: str
    target_id: int


@dataclass(frozen=True)
class ContentRestored(Change):
    """A moderator unhid an item."""

    target_type: str
    target_id: int


@dataclass(frozen=True)
class ResidentSuspended(Change):
    resident_id: int


@dataclass(frozen=True)
class ResidentBlocked(Change):
    blocker_id: int
    blocked_id: int


@dataclass(frozen=True)
class ResidentUnblocked(Change):
    blocker_id: int
    blocked_id: int


def is_suspended(resident: Resident, now: dt.datetime) -> bool:
    return resident.suspended_until is not None and resident.suspended_until > now


def ensure_can_publish(tx: Tx, resident: Resident) -> None:
    """Suspended residents, and unverified ones unless the node allows, may not publish."""
    if is_suspended(resident, tx.now):
        raise NotAllowed(_("Your account is suspended: you cannot publish or send messages."))
    allow_unverified = bool(tx.settings and tx.settings.unverified_can_publish)
    if resident.is_local and not resident.is_verified and not allow_unverified:
        raise NotAllowed(
            _("Your address must be verified before you can publish or contact neighbours.")
        )


def is_moderator_of(resident: Resident | None, quarter_id: int | None) -> bool:
    if resident is None:
        return False
    return resident.role == "admin" or (
        resident.role == "moderator" and resident.quarter_id == quarter_id
    )


# blocks


def blocked_between(a_id: int, b_id: int) -> bool:
    """True when either resident blocked the other."""
    return (
        Block.select()
        .where(
            ((Block.blocker == a_id) & (Block.blocked == b_id))
            | ((Block.blocker == b_id) & (Block.blocked == a_id))
        )
        .exists()
    )


def block(tx: Tx, blocker_id: int, blocked_id: int) -> Block:
    if blocker_id == blocked_id:
        raise Invalid(_("You cannot block yourself."))
    if Resident.get_or_none(Resident.id == blocked_id) is None:
        raise NotFound(_("No such resident."))
    row = Block.get_or_none((Block.blocker == blocker_id) & (Block.blocked == blocked_id))
    if row is None:
        row = Block.create(blocker=blocker_id, blocked=blocked_id, created_at=tx.now)
        tx.record(ResidentBlocked(blocker_id, blocked_id))
    return row


def unblock(tx: Tx, blocker_id: int, blocked_id: int) -> bool:
    gone = (
        Block.delete()
        .where((Block.blocker == blocker_id) & (Block.blocked == blocked_id))
        .execute()
    )
    if gone:
        tx.record(ResidentUnblocked(blocker_id, blocked_id))
    return bool(gone)


def blocked_by(resident_id: int) -> list[Resident]:
    return list(
        Resident.select()
        .join(Block, on=(Block.blocked == Resident.id))
        .where(Block.blocker == resident_id)
        .order_by(Resident.username)
    )


# reports


def _target_quarter(reporter: Resident, target_type: str, target_id: int) -> int | None:
    """The quarter whose moderators see the report; checks the reporter may see the target."""
    if target_type == "resident":
        row = Resident.get_or_none(Resident.id == target_id)
        return row.quarter_id if row else None
    if target_type == "message":
        message = Message.get_or_none(Message.id == target_id)
        if message is None:
            return None
        conversation = Conversation.get_by_id(message.conversation_id)
        if reporter.id not in (conversation.first_id, conversation.second_id):
            raise NotFound(_("No such message."))
        return reporter.quarter_id
    if target_type == "comment":
        comment = Comment.get_or_none(Comment.id == target_id)
        if comment is None:
            return None
        model = Listing if comment.target_type == "listing" else Event
        parent = model.get_or_none(model.id == comment.target_id)
        return parent.quarter_id if parent else reporter.quarter_id
    model = HIDEABLE[target_type]
    row = model.get_or_none(model.id == target_id)
    return row.quarter_id if row else None


def _seen_by(reporter: Resident, target_type: str, target_id: int) -> bool:
    """A resident reports only what they may read (else the answer would confirm it exists);
    reports from other servers (Flag) were filtered by their own node."""
    model = HIDEABLE.get(target_type)
    if model is None or not reporter.is_local:
        return True
    row = model.get_or_none(model.id == target_id)
    return row is not None and reach.may_see(row, reporter)


def _exists(target_type: str, target_id: int) -> bool:
    model = {"resident": Resident, "message": Message, **HIDEABLE}[target_type]
    return model.select().where(model.id == target_id).exists()


def report(tx: Tx, reporter_id: int, target_type: str, target_id: int, reason: str) -> Report:
    if target_type not in TARGETS:
        raise Invalid(_("Unknown kind of report."), {"target_type": "choice"})
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Say why you report this."), {"reason": _("Say why you report this.")})
    reporter = Resident.get_by_id(reporter_id)
    if not _exists(target_type, target_id) or not _seen_by(reporter, target_type, target_id):
        raise NotFound(_("There is nothing to report here."))
    quarter_id = _target_quarter(reporter, target_type, target_id) or reporter.quarter_id
    row = Report.create(
        reporter=reporter.id,
        quarter=quarter_id,
        target_type=target_type,
        target_id=target_id,
        reason=reason[:2000],
        created_at=tx.now,
    )
    tx.record(ReportFiled(row.id))
    moderation_notices.report_filed(quarter_id, target_type, row.reason, reporter.id)
    return row


def queue(moderator: Resident) -> list[Report]:
    """Open reports of the moderator's quarter (all quarters for an admin)."""
    if moderator.role not in ("moderator", "admin"):
        raise NotAllowed(_("This page is for moderators and administrators."))
    query = Report.select().where(Report.state == "open")
    if moderator.role != "admin":
        query = query.where(Report.quarter == moderator.quarter_id)
    return list(query.order_by(Report.created_at, Report.id))


def reported_message_ids(moderator: Resident) -> set[int]:
    """Messages a moderator may read: only those a participant reported in their quarter."""
    query = Report.select(Report.target_id).where(Report.target_type == "message")
    if moderator.role != "admin":
        query = query.where(Report.quarter == moderator.quarter_id)
    return {r.target_id for r in query}


def target_summary(row: Report, moderator: Resident) -> str:
    """A short text of the reported thing, for the queue."""
    if row.target_type == "resident":
        target = Resident.get_or_none(Resident.id == row.target_id)
        return target.handle if target else ""
    if row.target_type == "message":
        if row.target_id not in reported_message_ids(moderator):
            return ""
        message = Message.get_or_none(Message.id == row.target_id)
        return message.text[:300] if message else ""
    if row.target_type == "comment":
        comment = Comment.get_or_none(Comment.id == row.target_id)
        return comment.content_html[:300] if comment else ""
    model = HIDEABLE[row.target_type]
    target = model.get_or_none(model.id == row.target_id)
    return target.title if target else ""


def _author_of(target_type: str, target_id: int) -> int | None:
    if target_type == "resident":
        return target_id
    if target_type == "message":
        message = Message.get_or_none(Message.id == target_id)
        return message.sender_id if message else None
    model = HIDEABLE[target_type]
    row = model.get_or_none(model.id == target_id)
    if row is None:
        return None
    return getattr(row, "author_id", None) or getattr(row, "organiser_id", None)


def _authority_quarter(target_type: str, target_id: int, report_row: Report | None) -> int | None:
    """The quarter whose moderators may act on the target: the target's own quarter.

    A private message belongs to no quarter: moderators reach it only through a report a
    participant filed (the report's quarter). Anything without a quarter is for admins."""
    if target_type == "message":
        return report_row.quarter_id if report_row is not None else None
    if target_type == "resident":
        row = Resident.get_or_none(Resident.id == target_id)
        return row.quarter_id if row else None
    if target_type == "comment":
        comment = Comment.get_or_none(Comment.id == target_id)
        if comment is None:
            return None
        model = Listing if comment.target_type == "listing" else Event
        parent = model.get_or_none(model.id == comment.target_id)
        return parent.quarter_id if parent else None
    model = HIDEABLE[target_type]
    row = model.get_or_none(model.id == target_id)
    return row.quarter_id if row else None


def may_sanction(moderator: Resident, person: Resident, content_quarter: int | None) -> bool:
    """Whether a moderator may warn or suspend this person (after acting on their content).

    Admins may sanction anyone but themselves. A moderator sanctions residents and ambassadors
    of their own quarter, or remote authors of content in their quarter; never a moderator or
    an admin."""
    if person.id == moderator.id:
        return False
    if moderator.role == "admin":
        return True
    if moderator.role != "moderator" or person.role in ("moderator", "admin"):
        return False
    if person.is_local:
        return person.quarter_id is not None and person.quarter_id == moderator.quarter_id
    return content_quarter is not None and content_quarter == moderator.quarter_id


def act(
    tx: Tx,
    moderator_id: int,
    action: str,
    target_type: str,
    target_id: int,
    reason: str = "",
    report_id: int | None = None,
    days: int = 7,
    category: str = "other",
) -> ModerationAction:
    """Apply one moderation action, close the report it answers, and log it.

    Authority is checked against the target itself: the report cited must concern this target,
    and the target must be in the moderator's quarter (admins excepted). The action is logged
    in the target's quarter."""
    moderator = Resident.get_by_id(moderator_id)
    if action not in ACTIONS or target_type not in TARGETS:
        raise Invalid(_("Unknown moderation action."))
    if category not in REASON_CATEGORIES:
        raise Invalid(_("Unknown reason category."), {"category": "choice"})
    report_row = Report.get_or_none(Report.id == report_id) if report_id else None
    if report_id and report_row is None:
        raise NotFound(_("No such report."))
    if report_row is not None and (
        report_row.target_type != target_type or report_row.target_id != target_id
    ):
        raise NotAllowed(_("This report is about something else."))
    if not _exists(target_type, target_id):
        raise NotFound(_("There is nothing to act on here."))
    quarter_id = _authority_quarter(target_type, target_id, report_row)
    if not is_moderator_of(moderator, quarter_id):
        raise NotAllowed(_("Only a moderator of this quarter can do this."))
    if report_row is not None and report_row.state != "open":
        raise InvalidTransition(_("This report was already handled."))
    if action in ("hide", "unhide", "remove"):
        _hide(tx, action, target_type, target_id)
        if action != "unhide":
            title, url = _title_and_path(target_type, target_id)
            author_id = _author_of(target_type, target_id)
            moderation_notices.item_hidden(author_id, action, target_type, title, url, reason)
    elif action in ("warn", "suspend", "unsuspend"):
        person_id = _author_of(target_type, target_id)
        person = Resident.get_or_none(Resident.id == person_id) if person_id else None
        if person is None:
            raise NotFound(_("No such resident."))
        if not may_sanction(moderator, person, quarter_id):
            raise NotAllowed(_("You may not sanction this resident."))
        _sanction(tx, action, person.id, reason, days)
    if report_row is not None:
        report_row.state = "dismissed" if action == "dismiss" else "resolved"
        report_row.decided_by, report_row.decided_at = moderator.id, tx.now
        report_row.outcome = action
        report_row.save()
        moderation_notices.report_handled(report_row.reporter_id, action)
    return ModerationAction.create(
        quarter=quarter_id,
        moderator=moderator.id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason=reason[:2000],
        category=category,
        created_at=tx.now,
    )


def _title_and_path(target_type: str, target_id: int) -> tuple[str, str]:
    """The title and page of a hidden item, for its author's notification."""
    if target_type == "comment":
        comment = Comment.get_or_none(Comment.id == target_id)
        if comment is None:
            return "", ""
        # its author still sees it there, marked hidden (node/local/comments.under)
        return "", f"/{comment.target_type}s/{comment.target_id}#comment-{comment.id}"
    if target_type == "message":
        message = Message.get_or_none(Message.id == target_id)
        return "", f"/messages/{message.conversation_id}" if message else ""
    model = HIDEABLE[target_type]
    row = model.get_or_none(model.id == target_id)
    path = {"listing": "/listings/", "event": "/events/", "announcement": "/announcements/"}.get(
        target_type
    )
    return (row.title if row else ""), (f"{path}{target_id}" if path else "")


def _hide(tx: Tx, action: str, target_type: str, target_id: int) -> None:
    if target_type == "message":
        model = Message
        if action != "remove":
            raise Invalid(_("A message can only be removed."))
        Message.update(text=_("[removed by a moderator]")).where(Message.id == target_id).execute()
        tx.record(ContentRemoved(target_type, target_id))
        return
    model = HIDEABLE.get(target_type)
    if model is None:
        raise Invalid(_("This cannot be hidden."))
    model.update(hidden=action != "unhide").where(model.id == target_id).execute()
    if action == "remove" and model is Listing:
        Listing.update(state="withdrawn").where(Listing.id == target_id).execute()
    if action == "remove" and model is Event:
        Event.update(status="cancelled").where(Event.id == target_id).execute()
    change = {"remove": ContentRemoved, "hide": ContentHidden}.get(action, ContentRestored)
    tx.record(change(target_type, target_id))


def _sanction(tx: Tx, action: str, resident_id: int | None, reason: str, days: int) -> None:
    resident = Resident.get_or_none(Resident.id == resident_id) if resident_id else None
    if resident is None:
        raise NotFound(_("No such resident."))
    if action == "suspend":
        resident.suspended_until = tx.now + dt.timedelta(days=max(1, min(days, 3650)))
        resident.save(only=[Resident.suspended_until])
        login_sessions.end_all(resident.id, tx.now)  # a suspension ends every session at once
        tx.record(ResidentSuspended(resident.id))
        message = N_("Your account is suspended for %(days)d days by a moderator: %(reason)s")
    elif action == "unsuspend":
        resident.suspended_until = None
        resident.save(only=[Resident.suspended_until])
        message = N_("Your suspension was lifted by a moderator. %(reason)s")
    else:
        message = N_("A moderator warns you: %(reason)s")
    notify(resident, "moderation", message, "/moderation/log", reason=reason, days=days)


def log(quarter_id: int | None, limit: int = 100) -> list[ModerationAction]:
    """The public moderation log of a quarter (what was done and why, not by whom)."""
    return list(
        ModerationAction.select()
        .where(ModerationAction.quarter == quarter_id)
        .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())
        .limit(limit)
    )
