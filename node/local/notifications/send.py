"""Notifications: in the page, and by e-mail through the durable mail outbox.

Each resident chooses per kind: immediate, daily digest or none (NotificationPreference)."""

from __future__ import annotations

import json

from node.i18n import _, using
from node.local import outgoing_mail
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
    """Tell a local resident something, in their language; e-mail it now if they chose immediate.

    `message` is an English source string marked with N_/_ at the call site; it is translated here.
    """
    if not resident.is_local or resident.deleted_at is not None:
        return None
    with using(resident.language or "en"):
        text = _(message, **variables)
        subject = _("Quartier: %(text)s", text=text[:120])
        footer = _("You can choose which e-mails you receive in your settings.")
    note = Notification.create(
        resident=resident.id,
        kind=kind,
        text=text,
        url=url,
        message=message,
        params=json.dumps(variables, default=str, ensure_ascii=False),
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
