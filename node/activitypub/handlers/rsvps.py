"""RSVPs across nodes, Mobilizon's flow: Join / Leave of our events; answers to our Joins."""

from __future__ import annotations

from node.activitypub import as_activities, participation, residence
from node.activitypub.actors import author_of
from node.activitypub.from_as import Unacceptable
from node.activitypub.models import RemoteActor
from node.activitypub.outbox import enqueue
from node.activitypub.resolve import local_target, our_join
from node.activitypub.vocab import get_id
from node.local.errors import DomainError
from node.local.events import remote_rsvps
from node.local.events import write as events
from node.local.events.models import Event, Rsvp
from node.local.models import Resident
from node.local.tx import Tx
from node.runtime import Node


def _our_event(node: Node, activity: dict) -> Event:
    target = local_target(node, get_id(activity.get("object")) or "")
    event = Event.get_or_none(Event.id == target[1]) if target and target[0] == "event" else None
    if event is None:
        raise Unacceptable("join or leave of an event we do not organise")
    return event


def on_join(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    """Capacity, waiting list and approval are ours to enforce; the answer goes out by the outbox."""
    if Rsvp.get_or_none(Rsvp.external_ref == activity["id"]) is not None:
        return "join already answered"
    event = _our_event(node, activity)
    participant = author_of(sender)
    message = activity.get("participationMessage")
    refused = residence.refusal(node, participant)
    if refused is not None:
        organiser = Resident.get_by_id(event.organiser_id)
        refuse_join(node, organiser, activity, RemoteActor.get(RemoteActor.uri == sender))
        return f"refused: {refused}"
    try:
        events.receive_join(
            tx,
            participant.id,
            event.id,
            activity["id"],
            message if isinstance(message, str) else None,
        )
    except DomainError as exc:
        organiser = Resident.get_by_id(event.organiser_id)
        refuse_join(node, organiser, activity, RemoteActor.get(RemoteActor.uri == sender))
        return f"refused: {exc}"
    return None


def on_leave(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    event = _our_event(node, activity)
    participant = author_of(sender)
    try:
        left = events.receive_leave(tx, participant.id, event.id)
    except DomainError as exc:
        raise Unacceptable(f"refused: {exc}") from exc
    return None if left else "leave of an event they did not join"


def on_answer(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    """Accept / TentativeAccept / Reject of our resident's Join, embedded or named by its id."""
    obj = activity.get("object")
    if isinstance(obj, dict) and obj.get("type") == "Join":
        return _answer(tx, node, sender, activity)
    # Mobilizon may answer with `object: <our Join's id>` only: rebuild the Join from our RSVP.
    ref = get_id(activity.get("object")) or ""
    rsvp = our_join(node, ref)
    if rsvp is None:
        return "answer to an unknown join"
    event = Event.get_by_id(rsvp.event_id)
    resident = Resident.get_by_id(rsvp.resident_id)
    if not resident.is_local or not event.external_ref:
        return "answer to an unknown join"
    join = participation.embedded_join(ref, node.urls.actor(resident.username), event.external_ref)
    return _answer(tx, node, sender, {**activity, "object": join})


def _answer(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    """The organiser (or the event's Group) answers our resident's Join."""
    participant, event_ref = participation.join_parts(activity)
    if not participant or not node.urls.is_local(participant):
        return "answer to a join that is not ours"
    event = Event.get_or_none(Event.external_ref == event_ref) if event_ref else None
    if event is None:
        return "answer about an event we do not know"
    organiser = Resident.get_by_id(event.organiser_id)
    # Mobilizon: only the organiser or the event's group may answer (FEDERATION-NOTES §5.3).
    if sender not in (organiser.external_ref, event.group_ref):
        raise Unacceptable("answer from someone who does not organise the event")
    handle = participant[len(node.urls.base) + 2 :]
    resident = Resident.get_or_none((Resident.username == handle) & (Resident.host == ""))
    if resident is None:
        return "answer about someone we do not know"
    status = participation.STATUS_OF[activity["type"]]
    try:
        remote_rsvps.answered(tx, event.id, resident.id, status)
    except DomainError as exc:
        return f"ignored: {exc}"
    return None


def refuse_join(node: Node, organiser: Resident, join: dict, sender: RemoteActor) -> None:
    """Answer a Join we cannot take (event over, cancelled…) with a Reject at once."""
    inner = {k: v for k, v in join.items() if k not in ("@context", "to", "cc")}
    ident = as_activities.activity_id(node.urls, "Reject", join.get("id"))
    activity = participation.answer("Reject", ident, node.urls.actor(organiser.username), inner)
    enqueue(node, organiser.username, activity, [sender.inbox or sender.shared_inbox])
