"""RSVPs to events organised on another node: we ask, the organiser's node answers."""

from __future__ import annotations

from node.i18n import _
from node.local.errors import NotFound
from node.local.events.models import ATTENDING, Event, Rsvp
from node.local.models import Resident
from node.local.notifications.send import N_, notify
from node.local.tx import RsvpChanged, Tx

_TOLD = {
    "going": N_("You are going to “%(title)s”."),
    "waiting": N_("“%(title)s” is full: you are on the waiting list."),
    "not_going": N_("Your request to join “%(title)s” was declined."),
}


def ask(tx: Tx, resident: Resident, event: Event, status: str) -> Rsvp:
    """Going → pending until the organiser's node answers; not going → leave (told at once)."""
    row = Rsvp.get_or_none((Rsvp.event == event.id) & (Rsvp.resident == resident.id))
    if status == "going" and row is not None and row.status in ATTENDING:
        return row
    if row is None:
        row = Rsvp(event=event.id, resident=resident.id, created_at=tx.now)
    row.status = "pending" if status == "going" else "not_going"
    row.updated_at = tx.now
    row.save()
    tx.record(RsvpChanged(row.id, event.id))
    return row


def answered(tx: Tx, event_id: int, resident_id: int, status: str) -> Rsvp:
    """The organiser's node answered our Join: going, waiting or not going."""
    row = Rsvp.get_or_none((Rsvp.event == event_id) & (Rsvp.resident == resident_id))
    if row is None or row.status == "not_going":
        raise NotFound(_("No such request."))
    if row.status == status:
        return row
    row.status, row.updated_at = status, tx.now
    row.save()
    event = Event.get_by_id(event_id)
    base = tx.settings.public_url.rstrip("/") if tx.settings else ""
    notify(
        Resident.get_by_id(resident_id),
        "event_decision",
        _TOLD[status],
        f"{base}/events/{event_id}",
        title=event.title,
    )
    return row


def remember_join(rsvp_id: int, join_id: str) -> None:
    """Keep the id of the Join we sent, so that an answer naming only that id finds it (Mobilizon)."""
    Rsvp.update(external_ref=join_id).where(Rsvp.id == rsvp_id).execute()
