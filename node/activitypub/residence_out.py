"""Outbox builders that keep residence attestations in step: issue, withdraw, re-issue.

A resident's actor `Update` reaches its followers; when the attestation changed it reaches the
twins of the quarter that issued (or withdrew) it too, and every host that saw the actor's items,
so no node keeps showing "verified" for someone who moved or was un-verified.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from node.activitypub import actors, as_activities, audience, trust, twinning
from node.activitypub.vocab import PUBLIC
from node.local import attestations
from node.local.models import Quarter, Resident
from node.runtime import Node

Outgoing = tuple[str, dict[str, Any], list[str]]


def actor_update(node: Node, handle: str, stamp: str, extra: list[str]) -> Iterator[Outgoing]:
    doc = actors.local_document(node, handle)
    if doc is None:
        return
    activity = as_activities.wrap_update(
        node.urls, doc["id"], doc, [PUBLIC], [doc["followers"]], stamp
    )
    inboxes = audience.follower_inboxes([handle]) + audience.group_inboxes(extra)
    yield handle, activity, trust.one_per_host(inboxes)


def _told(node: Node, resident: Resident, standing: attestations.Standing) -> list[str]:
    """Who must hear of a changed attestation: the issuing quarter's twins, known hosts."""
    if not standing.changed:
        return []
    quarter = Quarter.get_or_none(Quarter.id == standing.quarter_id)
    return twinning.twin_inboxes(quarter) + trust.known_inboxes(resident.username)


def resident_updated(node: Node, change: Any, now: Any) -> Iterator[Outgoing]:
    resident = Resident.get_or_none(Resident.id == change.resident_id)
    if resident is None or not resident.is_local:
        return
    standing = attestations.sync(resident.id, now)
    stamp = f"{change.kind}-{now.isoformat()}"
    yield from actor_update(node, resident.username, stamp, _told(node, resident, standing))


def resident_joined(node: Node, change: Any, now: Any) -> Iterator[Outgoing]:
    """A resident created verified (by an admin) holds an attestation from the start; nobody
    follows them yet, so nothing is sent (their actor is served on demand)."""
    attestations.sync(change.resident_id, now)
    yield from ()


def reissue_quarter(node: Node, slug: str, stamp: str) -> Iterator[Outgoing]:
    """After the Group's key rotated: every attested resident's actor again, newly signed."""
    quarter = Quarter.get_or_none((Quarter.slug == slug) & Quarter.external_ref.is_null())
    if quarter is None:
        return
    twin_inboxes = twinning.twin_inboxes(quarter)
    ids = attestations.active_in(quarter.id)
    for resident in Resident.select().where(Resident.id.in_(ids or [0])):
        extra = twin_inboxes + trust.known_inboxes(resident.username)
        yield from actor_update(node, resident.username, f"{stamp}-{resident.id}", extra)
