"""Events: street parties and meetings, with capacity, a waiting list and approval mode."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import peewee as pw

from node.i18n import _
from node.local import language_guess, reach, text
from node.local.errors import Invalid, InvalidTransition, NotAllowed, NotFound, Stale
from node.local.events import remote_rsvps
from node.local.events.drafts import EventDraft
from node.local.events.models import ATTENDING, Event, Rsvp
from node.local.models import OrganisationMember, Resident, utcnow
from node.local.moderation.actions import ensure_can_publish
from node.local.notifications.send import N_, notify
from node.local.remote_drafts import Arrival, RemoteEvent
from node.local.tx import Change, RsvpChanged, Tx


@dataclass(frozen=True)
class EventScheduled(Change):
    event_id: int


@dataclass(frozen=True)
class EventUpdated(Change):
    event_id: int


@dataclass(frozen=True)
class EventCancelled(Change):
    event_id: int


def _path(tx: Tx, event_id: int) -> str:
    base = tx.settings.public_url.rstrip("/") if tx.settings else ""
    return f"{base}/events/{event_id}"


def _resident(resident_id: int) -> Resident:
    resident = Resident.get_or_none(Resident.id == resident_id)
    if resident is None or resident.deleted_at is not None:
        raise NotFound(_("No such resident."))
    return resident


def is_member(resident_id: int, organisation_id: int) -> bool:
    return (
        OrganisationMember.select()
        .where(
            (OrganisationMember.organisation == organisation_id)
            & (OrganisationMember.resident == resident_id)
        )
        .exists()
    )


def can_manage(resident: Resident | None, event: Event) -> bool:
    """The organiser, a manager of the organising organisation, or the quarter's moderator."""
    if resident is None:
        return False
    if resident.id == event.organiser_id:
        return True
    if event.organisation_id and is_member(resident.id, event.organisation_id):
        return True
    return resident.role == "admin" or (
        resident.role == "moderator" and resident.quarter_id == event.quarter_id
    )


def get_event(event_id: int, viewer: Any = None) -> Event:
    """An event the viewer may read (node/local/reach.py); hidden ones only for its managers."""
    event = Event.get_or_none(Event.id == event_id)
    if event is None:
        raise NotFound(_("No such event."))
    manager = isinstance(viewer, Resident) and can_manage(viewer, event)
    if not (manager or reach.may_see(event, viewer)):
        raise NotFound(_("No such event."))
    return event


def _lock(event_id: int) -> Event:
    """The event row, locked on PostgreSQL so two RSVPs never both take the last place."""
    query = Event.select().where(Event.id == event_id)
    if isinstance(Event._meta.database.obj, pw.PostgresqlDatabase):
        query = query.for_update()
    event = query.first()
    if event is None:
        raise NotFound(_("No such event."))
    return event


def _apply(event: Event, draft: EventDraft) -> None:
    event.title = draft.title
    event.description = draft.description
    event.description_html = text.markdown_to_html(draft.description)
    event.starts_at, event.ends_at, event.timezone = draft.starts_at, draft.ends_at, draft.timezone
    event.place_name, event.street = draft.place_name, draft.street
    event.postcode, event.city, event.country = draft.postcode, draft.city, draft.country
    event.lat, event.lon = draft.lat, draft.lon
    event.capacity, event.join_mode = draft.capacity, draft.join_mode
    event.category, event.reach = draft.category, draft.reach
    # the organiser's choice, else what the text says ("" when it does not tell: every reader)
    event.language = draft.language or language_guess.detect(f"{draft.title}\n{draft.description}")


def schedule(tx: Tx, organiser_id: int, draft: EventDraft) -> Event:
    organiser = _resident(organiser_id)
    ensure_can_publish(tx, organiser)
    quarter_id = organiser.quarter_id
    if draft.organisation_id is not None:
        if not is_member(organiser.id, draft.organisation_id):
            raise NotAllowed(_("You do not manage this organisation."))
    if quarter_id is None:
        raise Invalid(_("Join a quarter before organising an event."))
    event = Event(
        organiser=organiser.id,
        organisation=draft.organisation_id,
        quarter=quarter_id,
        created_at=tx.now,
        updated_at=tx.now,
    )
    _apply(event, draft)
    event.save()
    tx.record(EventScheduled(event.id))
    return event


def _people(event_id: int, statuses: tuple[str, ...]) -> list[Rsvp]:
    return list(
        Rsvp.select(Rsvp, Resident)
        .join(Resident)
        .where((Rsvp.event == event_id) & Rsvp.status.in_(statuses))
        .order_by(Rsvp.updated_at, Rsvp.id)
    )


def _tell_everyone(tx: Tx, event: Event, kind: str, message: str) -> None:
    for rsvp in _people(event.id, ATTENDING):
        notify(rsvp.resident, kind, message, _path(tx, event.id), title=event.title)


def edit(
    tx: Tx, actor_id: int, event_id: int, draft: EventDraft, expected: tuple[int, ...] | None = None
) -> Event:
    """A full edit under the row lock; `expected`: the versions the editor saw (None: any)."""
    actor = _resident(actor_id)
    event = _lock(event_id)
    if not can_manage(actor, event):
        raise reach.refusal(
            event, actor, _("Only the organisers can change this event."), _("No such event.")
        )
    if event.status == "cancelled":
        raise InvalidTransition(_("This event is cancelled."))
    if expected is not None and event.version not in expected:
        raise Stale(_("This event was changed meanwhile; reload it and try again."))
    going = going_count(event.id)
    if draft.capacity and draft.capacity < going:
        raise Invalid(
            _("%(n)d people are already going: the capacity cannot be lower.", n=going),
            {"capacity": _("At least %(n)d.", n=going)},
        )
    organisation_id = event.organisation_id
    _apply(event, draft)
    event.organisation = organisation_id  # who organises does not change on edit
    event.updated_at = tx.now
    event.version += 1  # the row is locked (PostgreSQL) or the transaction alone (SQLite)
    event.save()
    _promote(tx, event)
    tx.record(EventUpdated(event.id))
    _tell_everyone(tx, event, "event_changed", N_("The event “%(title)s” has changed."))
    return event


def cancel(tx: Tx, actor_id: int, event_id: int) -> Event:
    actor = _resident(actor_id)
    event = _lock(event_id)
    if not can_manage(actor, event):
        raise reach.refusal(
            event, actor, _("Only the organisers can cancel this event."), _("No such event.")
        )
    if event.status == "cancelled":
        raise InvalidTransition(_("This event is already cancelled."))
    event.status = "cancelled"
    event.updated_at = tx.now
    event.version += 1
    event.save()
    tx.record(EventCancelled(event.id))
    _tell_everyone(tx, event, "event_cancelled", N_("The event “%(title)s” is cancelled."))
    return event


def going_count(event_id: int) -> int:
    return Rsvp.select().where((Rsvp.event == event_id) & (Rsvp.status == "going")).count()


def _has_room(event: Event) -> bool:
    return not event.capacity or going_count(event.id) < event.capacity


def _promote(tx: Tx, event: Event) -> None:
    """Move waiting people up, first come first served, while there is room."""
    while _has_room(event):
        waiting = _people(event.id, ("waiting",))
        if not waiting:
            return
        rsvp = waiting[0]
        rsvp.status, rsvp.updated_at = "going", tx.now
        rsvp.save()
        tx.record(RsvpChanged(rsvp.id, event.id))
        notify(
            rsvp.resident,
            "event_place",
            N_("A place freed up: you are now going to “%(title)s”."),
            _path(tx, event.id),
            title=event.title,
        )


def rsvp(tx: Tx, resident_id: int, event_id: int, status: str) -> Rsvp:
    """Answer going or not going; the resulting status is going, waiting, pending or not_going."""
    if status not in ("going", "not_going"):
        raise Invalid(_("Answer going or not_going."), {"status": "choice"})
    resident = _resident(resident_id)
    event = _lock(event_id)
    if event.hidden or not reach.may_see(event, resident):
        raise NotFound(_("No such event."))
    if event.status == "cancelled":
        raise InvalidTransition(_("This event is cancelled."))
    if event.ends_at <= tx.now:
        raise InvalidTransition(_("This event is over."))
    if event.external_ref is not None:
        return remote_rsvps.ask(tx, resident, event, status)  # the organiser's node decides
    row = Rsvp.get_or_none((Rsvp.event == event.id) & (Rsvp.resident == resident.id))
    previous = row.status if row else "not_going"
    if status == "going":
        if previous in ATTENDING:
            return row  # already answered: keep the place in the queue
        if event.join_mode == "approval" and not can_manage(resident, event):
            new = "pending"
        else:
            new = "going" if _has_room(event) else "waiting"
    else:
        new = "not_going"
    if row is None:
        row = Rsvp(event=event.id, resident=resident.id, created_at=tx.now)
    row.status, row.updated_at = new, tx.now
    row.save()
    tx.record(RsvpChanged(row.id, event.id))
    if new == "pending":
        organiser = _resident(event.organiser_id)
        notify(
            organiser,
            "event_request",
            N_("%(name)s asks to join “%(title)s”."),
            _path(tx, event.id),
            name=resident.name,
            title=event.title,
        )
    if previous == "going" and new == "not_going":
        _promote(tx, event)
    return row


def decide(tx: Tx, actor_id: int, rsvp_id: int, approve: bool) -> Rsvp:
    """The organiser approves (going, or waiting when full) or refuses a pending request."""
    row = Rsvp.get_or_none(Rsvp.id == rsvp_id)
    if row is None:
        raise NotFound(_("No such request."))
    event = _lock(row.event_id)
    if not can_manage(_resident(actor_id), event):
        raise NotAllowed(_("Only the organisers can decide."))
    if row.status != "pending":
        raise InvalidTransition(_("This request was already decided."))
    row.status = ("going" if _has_room(event) else "waiting") if approve else "not_going"
    row.updated_at = tx.now
    row.save()
    tx.record(RsvpChanged(row.id, event.id))
    message = (
        N_("Your request to join “%(title)s” was accepted.")
        if approve
        else N_("Your request to join “%(title)s” was declined.")
    )
    notify(
        _resident(row.resident_id),
        "event_decision",
        message,
        _path(tx, event.id),
        title=event.title,
    )
    return row


# reading


def upcoming(
    quarter_id: int | None,
    now: dt.datetime,
    limit: int = 20,
    before: int | None = None,
    where: Any = None,
    viewer: Any = None,
) -> list[Event]:
    """Events not yet over that the viewer may read, soonest first; `before` pages by id.

    `where` (node/local/reach.py) replaces the quarter filter to include remote events."""
    query = Event.select().where(
        (Event.ends_at > now)
        & (Event.hidden == False)  # noqa: E712
        & (Event.status != "cancelled")
        & reach.readable(Event, viewer)
    )
    if where is not None:
        query = query.where(where)
    elif quarter_id is not None:
        query = query.where(Event.quarter == quarter_id)
    if before is not None:
        query = query.where(Event.id < before)
        return list(query.order_by(Event.id.desc()).limit(limit))
    return list(query.order_by(Event.starts_at, Event.id).limit(limit))


def participants(event_id: int) -> list[Rsvp]:
    return _people(event_id, ("going",))


def waiting_list(event_id: int) -> list[Rsvp]:
    return _people(event_id, ("waiting",))


def pending(event_id: int) -> list[Rsvp]:
    return _people(event_id, ("pending",))


def answer_of(event_id: int, resident_id: int) -> tuple[str, int | None]:
    """(status, position in the waiting list when waiting) of one resident."""
    row = Rsvp.get_or_none((Rsvp.event == event_id) & (Rsvp.resident == resident_id))
    if row is None:
        return "not_going", None
    if row.status != "waiting":
        return row.status, None
    ids = [r.id for r in waiting_list(event_id)]
    return "waiting", ids.index(row.id) + 1


def receive_remote(tx: Tx, organiser_id: int, draft: RemoteEvent, arrival: Arrival) -> int:
    """An event kept from another node, created or brought up to date; returns its id."""
    values = {k: v for k, v in draft.__dict__.items() if k not in ("ref", "public")}
    values.update(
        updated_at=utcnow(),
        remote_updated=arrival.remote_updated,
        reach=arrival.reach,
        quarter=arrival.quarter_id,
    )
    row = Event.get_or_none(Event.external_ref == draft.ref)
    if row is None:
        row = Event.create(
            organiser=organiser_id, external_ref=draft.ref, origin=arrival.origin, **values
        )
    else:
        Event.update(**values).where(Event.id == row.id).execute()
    return row.id


def forget_remote(event_id: int) -> None:
    """Its organiser deleted an event kept from another node: it goes."""
    Event.delete().where(Event.id == event_id).execute()


def receive_join(
    tx: Tx, participant_id: int, event_id: int, join_ref: str, message: str | None
) -> Rsvp:
    """A Join from another node: the same rules as a local RSVP (capacity, waiting list, approval).

    The Join's id is kept so that the answer names it; a second Join (a new id) from someone
    already attending is answered again.
    """
    row = rsvp(tx, participant_id, event_id, "going")
    Rsvp.update(
        external_ref=join_ref[:500],
        message=message[:2000] if message is not None else row.message,
    ).where(Rsvp.id == row.id).execute()
    if not any(getattr(c, "rsvp_id", None) == row.id for c in tx.changes):
        tx.record(RsvpChanged(row.id, event_id))
    return row


def receive_leave(tx: Tx, participant_id: int, event_id: int) -> bool:
    """A Leave from another node; False when they were not attending."""
    row = Rsvp.get_or_none((Rsvp.event == event_id) & (Rsvp.resident == participant_id))
    if row is None or row.status == "not_going":
        return False
    # No Join to answer any more: the outbox sends nothing back for a Leave.
    Rsvp.update(external_ref=None).where(Rsvp.id == row.id).execute()
    rsvp(tx, participant_id, event_id, "not_going")
    return True
