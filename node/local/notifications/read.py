"""Reading notifications, choosing how each kind arrives, and the daily e-mail digest."""

from __future__ import annotations

import datetime as dt

from node.i18n import _, using
from node.local import outgoing_mail
from node.local.errors import Invalid, NotFound
from node.local.models import Resident, utcnow
from node.local.notifications.models import Notification, NotificationPreference
from node.local.notifications.send import MODES
from node.local.tx import Tx

# The kinds a resident can tune; notify() accepts others too (they default to immediate).
KINDS = (
    "message",
    "event_changed",
    "event_cancelled",
    "event_place",
    "event_request",
    "event_decision",
    "loan",
    "moderation",
    "proof_decided",
    "item_hidden",
    "report_handled",
    "proof_submitted",
    "report_filed",
    "twin_request",
    "shelf_match",
)
DIGEST_EVERY = dt.timedelta(days=1)


def kind_labels() -> dict[str, str]:
    return {
        "message": _("New private messages"),
        "event_changed": _("Changes to events I go to"),
        "event_cancelled": _("Cancelled events"),
        "event_place": _("A place freed up for me at an event"),
        "event_request": _("Requests to join my events"),
        "event_decision": _("Answers to my requests to join"),
        "loan": _("Loans"),
        "moderation": _("Messages from moderators"),
        "proof_decided": _("The decision on my proof of address"),
        "item_hidden": _("A moderator hid something I wrote"),
        "report_handled": _("What became of my reports"),
        "proof_submitted": _("Moderators: proofs of address to check"),
        "report_filed": _("Moderators: new reports"),
        "twin_request": _("Moderators: twinning requests"),
        "shelf_match": _("Someone nearby asks for something on my shelf"),
    }


def recent(resident_id: int, limit: int = 50) -> list[Notification]:
    return list(
        Notification.select()
        .where(Notification.resident == resident_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )


def page(resident_id: int, limit: int = 20, before: int | None = None) -> list[Notification]:
    """The resident's notifications, newest first, paged by id (?before=)."""
    query = Notification.select().where(Notification.resident == resident_id)
    if before is not None:
        query = query.where(Notification.id < before)
    return list(query.order_by(Notification.id.desc()).limit(limit))


def render(note: Notification, language: str) -> str:
    """The notification's text in `language`: its message translated now with its variables
    (node/local/notice_text.py); rows whose message is unknown show the text written then."""
    with using(language):
        return note.shown


def read_one(tx: Tx, resident_id: int, notification_id: int) -> Notification:
    """Mark one notification read; only its own resident may (anyone else: 404, no probing)."""
    note = Notification.get_or_none(
        (Notification.id == notification_id) & (Notification.resident == resident_id)
    )
    if note is None:
        raise NotFound(_("No such notification."))
    if note.read_at is None:
        note.read_at = tx.now
        Notification.update(read_at=tx.now).where(Notification.id == note.id).execute()
    return note


def unread_count(resident_id: int) -> int:
    return (
        Notification.select()
        .where((Notification.resident == resident_id) & Notification.read_at.is_null())
        .count()
    )


def mark_read(tx: Tx, resident_id: int, notification_id: int | None = None) -> int:
    """Mark one (or all) of the resident's notifications read; never anyone else's."""
    query = Notification.update(read_at=tx.now).where(
        (Notification.resident == resident_id) & Notification.read_at.is_null()
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    return query.execute()


def preferences(resident_id: int) -> dict[str, str]:
    chosen = {
        p.kind: p.mode
        for p in NotificationPreference.select().where(
            NotificationPreference.resident == resident_id
        )
    }
    return {kind: chosen.get(kind, "immediate") for kind in KINDS}


def set_preferences(tx: Tx, resident_id: int, modes: dict[str, str]) -> dict[str, str]:
    for kind, mode in modes.items():
        if kind not in KINDS or mode not in MODES:
            raise Invalid(_("Unknown notification setting."), {kind: "choice"})
    for kind, mode in modes.items():
        row = NotificationPreference.get_or_none(
            (NotificationPreference.resident == resident_id) & (NotificationPreference.kind == kind)
        )
        if row is None:
            NotificationPreference.create(resident=resident_id, kind=kind, mode=mode)
        elif row.mode != mode:
            row.mode = mode
            row.save()
    return preferences(resident_id)


def send_digests(now: dt.datetime, public_url: str = "", limit: int = 200) -> int:
    """Queue one digest per resident whose unmailed notifications wait for at least a day."""
    due = (
        Notification.select(Notification.resident)
        .where((Notification.mailed == False) & (Notification.created_at <= now - DIGEST_EVERY))  # noqa: E712
        .distinct()
        .limit(limit)
    )
    sent = 0
    for row in list(due):
        resident = Resident.get_by_id(row.resident_id)
        # Mark first, then read what this transaction marked: of several processes sending
        # digests at once, the second waits for the first one's row locks and marks nothing
        # (so it mails nothing twice). RETURNING: PostgreSQL, and SQLite ≥ 3.35.
        marked = (
            Notification.update(mailed=True)
            .where((Notification.resident == resident.id) & (Notification.mailed == False))  # noqa: E712
            .returning(Notification.id)
            .execute()
        )
        ids = [n.id for n in marked]
        if not ids:
            continue
        waiting = list(
            Notification.select()
            .where(Notification.id.in_(ids))
            .order_by(Notification.created_at, Notification.id)
        )
        if resident.email and resident.deleted_at is None:
            with using(resident.language or "en"):
                subject = _("Quartier: your daily summary (%(n)d)", n=len(waiting))
                intro = _("Here is what happened in your quarter since yesterday:")
                footer = _("You can choose which e-mails you receive in your settings.")
            lines = [intro, ""]
            for note in waiting:
                with using(resident.language or "en"):
                    text = note.shown  # in the language the resident reads now
                lines.append(f"- {text}" + (f"\n  {note.url}" if note.url else ""))
            lines += ["", "-- ", footer, f"{public_url.rstrip('/')}/settings/notifications"]
            outgoing_mail.queue(resident.email, subject, "\n".join(lines) + "\n")
        sent += 1
    return sent


async def digest_step(node) -> int:
    """Background step: queue the daily digests that are due (see node/background.py)."""
    return await node.db.atomic(send_digests, utcnow(), node.settings.public_url)
