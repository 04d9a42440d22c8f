"""Who hears about moderation work, and the sentences they read (translated when read).

Moderators of a quarter are told of a new proof of address, a new report and a twinning request
(the node's admins when the quarter has no moderator); authors when their item is hidden or
removed; reporters when their report is handled. Kinds are stable strings (JSON API, settings)."""

from __future__ import annotations

from node.i18n import _
from node.local.models import Resident
from node.local.notice_text import term
from node.local.notifications.send import N_, notify, notify_all

PROOF_SUBMITTED = "proof_submitted"
PROOF_DECIDED = "proof_decided"
REPORT_FILED = "report_filed"
REPORT_HANDLED = "report_handled"
ITEM_HIDDEN = "item_hidden"
TWIN_REQUEST = "twin_request"

# The moderation log's words: what was done, and on what ("listing #14").
ACTION_NAMES = {
    "hide": N_("Hidden"),
    "unhide": N_("Shown again"),
    "remove": N_("Removed"),
    "warn": N_("Warning"),
    "suspend": N_("Suspension"),
    "unsuspend": N_("Suspension lifted"),
    "dismiss": N_("Report dismissed"),
}
TARGET_NAMES = {
    "listing": N_("listing #%(id)d"),
    "event": N_("event #%(id)d"),
    "message": N_("message #%(id)d"),
    "comment": N_("comment #%(id)d"),
    "resident": N_("resident #%(id)d"),
    "announcement": N_("announcement #%(id)d"),
}
REPORTED = {
    "listing": N_("New report about a listing: %(reason)s"),
    "event": N_("New report about an event: %(reason)s"),
    "message": N_("New report about a private message: %(reason)s"),
    "comment": N_("New report about a comment: %(reason)s"),
    "resident": N_("New report about a resident: %(reason)s"),
    "announcement": N_("New report about an announcement: %(reason)s"),
}
HIDDEN = {
    "listing": N_("A moderator hid your listing “%(title)s”. Reason: %(reason)s"),
    "event": N_("A moderator hid your event “%(title)s”. Reason: %(reason)s"),
    "comment": N_("A moderator hid your comment. Reason: %(reason)s"),
    "announcement": N_("A moderator hid your announcement “%(title)s”. Reason: %(reason)s"),
}
REMOVED = {
    "listing": N_("A moderator removed your listing “%(title)s”. Reason: %(reason)s"),
    "event": N_("A moderator removed your event “%(title)s”. Reason: %(reason)s"),
    "comment": N_("A moderator removed your comment. Reason: %(reason)s"),
    "announcement": N_("A moderator removed your announcement “%(title)s”. Reason: %(reason)s"),
    "message": N_("A moderator removed one of your private messages. Reason: %(reason)s"),
}
HANDLED = {
    "hide": N_("A moderator handled your report: what you reported is hidden."),
    "remove": N_("A moderator handled your report: what you reported is removed."),
    "warn": N_("A moderator handled your report: the author is warned."),
    "suspend": N_("A moderator handled your report: the author is suspended."),
    "dismiss": N_("A moderator looked at your report and took no action."),
}
NO_REASON = N_("none given")


def action_name(action: str) -> str:
    return _(ACTION_NAMES[action]) if action in ACTION_NAMES else action


def target_name(target_type: str, target_id: int) -> str:
    if target_type in TARGET_NAMES:
        return _(TARGET_NAMES[target_type], id=target_id)
    return f"{target_type} #{target_id}"


def moderators_of(quarter_id: int | None, ambassadors: bool = False) -> list[Resident]:
    """The local moderators of a quarter (and its ambassadors if they verify); else the admins."""
    roles = ("moderator", "ambassador") if ambassadors else ("moderator",)
    alive = (Resident.host == "") & Resident.deleted_at.is_null()
    found = []
    if quarter_id is not None:
        found = list(
            Resident.select().where(
                alive & (Resident.quarter == quarter_id) & Resident.role.in_(roles)
            )
        )
    if not found:
        found = list(Resident.select().where(alive & (Resident.role == "admin")))
    return found


def proof_submitted(resident: Resident, ambassadors_verify: bool) -> None:
    others = [
        r for r in moderators_of(resident.quarter_id, ambassadors_verify) if r.id != resident.id
    ]
    notify_all(
        others,
        PROOF_SUBMITTED,
        N_("%(name)s sent a proof of address to check."),
        "/admin/verification",
        name=resident.name,
    )


def proof_decided(resident: Resident, approved: bool, reason: str) -> None:
    if approved:
        message = N_(
            "Your address is verified. Welcome! You can now publish and contact neighbours."
        )
        notify(resident, PROOF_DECIDED, message, "/")
    else:
        message = N_("Your proof of address was not accepted. Reason: %(reason)s")
        notify(resident, PROOF_DECIDED, message, "/settings/verification", reason=reason)


def report_filed(quarter_id: int | None, target_type: str, reason: str, reporter_id: int) -> None:
    message = REPORTED.get(target_type)
    others = [r for r in moderators_of(quarter_id) if r.id != reporter_id]
    if message:
        notify_all(others, REPORT_FILED, message, "/moderation", reason=reason[:300])


def report_handled(reporter_id: int | None, action: str) -> None:
    reporter = Resident.get_or_none(Resident.id == reporter_id) if reporter_id else None
    if reporter is not None:
        message = HANDLED.get(action, N_("A moderator handled your report."))
        notify(reporter, REPORT_HANDLED, message, "/moderation/log")


def item_hidden(
    author_id: int | None, action: str, target_type: str, title: str, url: str, reason: str
) -> None:
    author = Resident.get_or_none(Resident.id == author_id) if author_id else None
    message = (REMOVED if action == "remove" else HIDDEN).get(target_type)
    if author is not None and message:
        why = reason.strip()[:300] or term(NO_REASON)
        notify(author, ITEM_HIDDEN, message, url, title=title, reason=why)


def twin_request(quarter_id: int, name: str, host: str) -> None:
    notify_all(
        moderators_of(quarter_id),
        TWIN_REQUEST,
        N_("The quarter %(name)s (%(host)s) asks to twin with yours."),
        "/admin/twins",
        name=name,
        host=host,
    )
