"""Notifications: in the page, and by e-mail through the durable mail outbox.

Each resident chooses per kind: immediate, daily digest or none (NotificationPreference)."""

from __future__ import annotations

from node.i18n import _, using
from node.local import notice_text, outgoing_mail
from node.local.models import Resident
from node.local.notifications.models import Notification, NotificationPreference

MODES = ("immediate", "digest", "none")


def mode_for(resident_id: int, kind: str) -> str:
    pref = NotificationPreference.get_or_none(
        (NotificationPreference.resident == resident_id) & (NotificationPreference.kind == kind)
    )
    return pref.mode if pref else "immediate"


def notify(
    resident: Resident, kind: str, message: str, url: str = "", **variables
) -> Notification | None:
    """Tell a local resident something; e-mail it now (in their language) if they chose immediate.

    `message` is an English source string marked with N_ at the call site. The page shows it in
    the reader's language of the moment: the row keeps the message and its variables (JSON; use
    notice_text.term / day for values to translate or format when read). `kind` is a stable
    string (the JSON API and the preferences use it).
    """
    if not resident.is_local or resident.deleted_at is not None:
        return None
    params = notice_text.encode(variables)
    with using(resident.language or "en"):
        text = notice_text.render(message, params)
        subject = _("Quartier: %(text)s", text=text[:120])
        footer = _("You can choose which e-mails you receive in your settings.")
    note = Notification.create(
        resident=resident.id, kind=kind, text=text, url=url, message=message, params=params
    )
    mode = mode_for(resident.id, kind)
    if mode == "immediate" and resident.email:
        outgoing_mail.queue(resident.email, subject, f"{text}\n\n{url}\n\n-- \n{footer}\n")
        note.mailed = True
        note.save()
    elif mode == "none":
        note.mailed = True  # never e-mailed (still shown in the page)
        note.save()
    return note


def N_(message: str) -> str:
    """Mark a string for translation without translating it now."""
    return message


def notify_all(
    residents: list[Resident], kind: str, message: str, url: str = "", **variables
) -> int:
    """The same notification to several residents (each once); how many were told."""
    told = 0
    for resident in {r.id: r for r in residents}.values():
        told += notify(resident, kind, message, url, **variables) is not None
    return told
