"""Twinned quarters: a quarter here and one on another node that share items addressed to twins.

A moderator of quarter A asks; the moderators of B accept or refuse. States: requested → accepted
or refused; accepted → ended when a moderator of either quarter ends it. `direction` is outgoing on
the asking side and incoming on the asked side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import peewee as pw

from node.db import BaseModel
from node.i18n import _
from node.local import moderation_notices
from node.local.errors import Conflict, Invalid, InvalidTransition, NotAllowed, NotFound
from node.local.models import Quarter, Resident, utcnow
from node.local.tx import Change, Tx

STATES = ("requested", "accepted", "refused", "ended")


class Twin(BaseModel):
    """One twinning between a local quarter and a quarter of another node."""

    quarter = pw.ForeignKeyField(Quarter, lazy_load=False, on_delete="CASCADE")
    remote_quarter = pw.ForeignKeyField(
        Quarter, null=True, lazy_load=False, on_delete="SET NULL", backref="+"
    )
    actor_uri = pw.CharField(max_length=500)
    handle = pw.CharField(max_length=300, default="")  # @slug@host
    name = pw.CharField(max_length=200, default="")
    host = pw.CharField(max_length=255, default="")
    country = pw.CharField(max_length=2, default="")
    state = pw.CharField(max_length=10, default="requested")
    direction = pw.CharField(max_length=10)  # outgoing | incoming
    follow_id = pw.CharField(max_length=500, default="")  # the asking Follow
    back_follow_id = pw.CharField(max_length=500, default="")  # the asked Group's follow back
    requested_by = pw.IntegerField(null=True)
    decided_by = pw.IntegerField(null=True)
    decided_at = pw.DateTimeField(null=True)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("quarter", "actor_uri"), True),)


@dataclass(frozen=True)
class TwinRequested(Change):
    twin_id: int


@dataclass(frozen=True)
class TwinAccepted(Change):
    twin_id: int


@dataclass(frozen=True)
class TwinRefused(Change):
    twin_id: int


@dataclass(frozen=True)
class TwinEnded(Change):
    twin_id: int


@dataclass(frozen=True)
class RemoteQuarter:
    """What we know of the other node's quarter (from its Group actor document)."""

    actor_uri: str
    handle: str
    name: str
    host: str
    country: str = ""
    lat: float | None = None
    lon: float | None = None


def quarter_stub(remote: RemoteQuarter) -> Quarter:
    """The Quarter row standing for a remote quarter (external_ref = its Group id)."""
    row = Quarter.get_or_none(Quarter.external_ref == remote.actor_uri)
    values = {"name": remote.name[:200] or remote.handle, "country": remote.country[:2]}
    if remote.lat is not None and remote.lon is not None:
        values.update(center_lat=remote.lat, center_lon=remote.lon)
    if row is None:
        slug = remote.handle.lstrip("@")[:64] or remote.actor_uri[-64:]
        return Quarter.create(slug=slug, external_ref=remote.actor_uri, **values)
    if values["country"] or row.name != values["name"]:
        Quarter.update(**{k: v for k, v in values.items() if v}).where(
            Quarter.id == row.id
        ).execute()
    return row


def _moderates(resident: Resident, quarter_id: int) -> bool:
    return resident.role == "admin" or (
        resident.role == "moderator" and resident.quarter_id == quarter_id
    )


def request(tx: Tx, resident_id: int, quarter_slug: str, remote: RemoteQuarter) -> Twin:
    """A moderator of a local quarter asks a remote quarter to twin."""
    me = Resident.get_by_id(resident_id)
    quarter = Quarter.get_or_none((Quarter.slug == quarter_slug) & Quarter.external_ref.is_null())
    if quarter is None:
        raise Invalid(_("No such quarter on this node."), {"quarter": "unknown"})
    if not _moderates(me, quarter.id):
        raise NotAllowed(_("Only a moderator of this quarter can ask for twinning."))
    existing = Twin.get_or_none((Twin.quarter == quarter.id) & (Twin.actor_uri == remote.actor_uri))
    if existing is not None and existing.state not in ("refused", "ended"):
        raise Conflict(_("This quarter is already twinned or asked."))
    stub = quarter_stub(remote)
    values = {
        "remote_quarter": stub.id,
        "handle": remote.handle,
        "name": remote.name,
        "host": remote.host,
        "country": remote.country,
        "state": "requested",
        "direction": "outgoing",
        "requested_by": me.id,
        "decided_by": None,
        "decided_at": None,
    }
    if existing is not None:
        Twin.update(**values).where(Twin.id == existing.id).execute()
        twin = Twin.get_by_id(existing.id)
    else:
        twin = Twin.create(quarter=quarter.id, actor_uri=remote.actor_uri, **values)
    tx.record(TwinRequested(twin.id))
    return twin


def asked(quarter_id: int, remote: RemoteQuarter, follow_id: str) -> Twin:
    """A remote quarter asked one of ours (its Follow carried the twinning mark)."""
    stub = quarter_stub(remote)
    twin = Twin.get_or_none((Twin.quarter == quarter_id) & (Twin.actor_uri == remote.actor_uri))
    if twin is None:
        twin = Twin.create(
            quarter=quarter_id,
            remote_quarter=stub.id,
            actor_uri=remote.actor_uri,
            handle=remote.handle,
            name=remote.name,
            host=remote.host,
            country=remote.country,
            direction="incoming",
            follow_id=follow_id,
        )
        moderation_notices.twin_request(quarter_id, remote.name or remote.handle, remote.host)
        return twin
    if twin.state == "requested" and twin.direction == "outgoing":
        return twin  # crossing requests: the caller accepts it as the answer to ours
    waiting = twin.state == "requested" and twin.direction == "incoming"
    Twin.update(state="requested", direction="incoming", follow_id=follow_id).where(
        Twin.id == twin.id
    ).execute()
    if not waiting:  # asked again after an end or a refusal (a repeated Follow tells nobody twice)
        moderation_notices.twin_request(quarter_id, remote.name or remote.handle, remote.host)
    return Twin.get_by_id(twin.id)


def decide(tx: Tx, resident_id: int, twin_id: int, accept: bool) -> Twin:
    """A moderator of the asked quarter accepts or refuses an incoming request."""
    twin = Twin.get_or_none(Twin.id == twin_id)
    if twin is None:
        raise NotFound(_("No such twinning request."))
    me = Resident.get_by_id(resident_id)
    if not _moderates(me, twin.quarter_id):
        raise NotAllowed(_("Only a moderator of the asked quarter can decide."))
    if twin.direction != "incoming" or twin.state != "requested":
        raise InvalidTransition(_("This twinning request is not waiting for a decision."))
    twin.state = "accepted" if accept else "refused"
    twin.decided_by = me.id
    twin.decided_at = tx.now
    twin.save()
    tx.record(TwinAccepted(twin.id) if accept else TwinRefused(twin.id))
    return twin


def end(tx: Tx, resident_id: int, twin_id: int) -> Twin:
    """A moderator of our quarter ends a twinning (whichever side asked); their node is told."""
    twin = Twin.get_or_none(Twin.id == twin_id)
    if twin is None:
        raise NotFound(_("No such twinning request."))
    if not _moderates(Resident.get_by_id(resident_id), twin.quarter_id):
        raise NotAllowed(_("Only a moderator of this quarter can end a twinning."))
    if twin.state != "accepted":
        raise InvalidTransition(_("Only an accepted twinning can be ended."))
    twin.state, twin.decided_by, twin.decided_at = "ended", resident_id, tx.now
    twin.save()
    tx.record(TwinEnded(twin.id))
    return twin


def ended_by_them(quarter_id: int, remote_uri: str, now: Any) -> Twin | None:
    """The other quarter ended our twinning (its Group undid its follow)."""
    twin = Twin.get_or_none(
        (Twin.quarter == quarter_id) & (Twin.actor_uri == remote_uri) & (Twin.state == "accepted")
    )
    if twin is None:
        return None
    Twin.update(state="ended", decided_by=None, decided_at=now).where(Twin.id == twin.id).execute()
    return Twin.get_by_id(twin.id)


def remember_follow(twin_id: int, follow_id: str, back: bool = False) -> None:
    """Keep the id of the Follow our quarter sent (the request, or the follow back on accepting)."""
    field = Twin.back_follow_id if back else Twin.follow_id
    Twin.update({field: follow_id}).where(Twin.id == twin_id).execute()


def settle(twin_id: int, accepted: bool, now: Any) -> None:
    """The other side answered our request (protocol-level, no moderator involved)."""
    Twin.update(state="accepted" if accepted else "refused", decided_at=now).where(
        (Twin.id == twin_id) & (Twin.state != ("accepted" if accepted else "refused"))
    ).execute()


def visible_to(resident: Resident) -> list[Twin]:
    """Staff see every twinning of the node (admins) or of their quarter (moderators)."""
    query = Twin.select().order_by(Twin.id.desc())
    if resident.role != "admin":
        query = query.where(Twin.quarter == (resident.quarter_id or 0))
    return list(query)


def twin_quarter_ids(quarter_id: int | None) -> list[int]:
    """The Quarter stubs of the remote quarters twinned (accepted) with a local quarter."""
    if quarter_id is None:
        return []
    rows = Twin.select(Twin.remote_quarter).where(
        (Twin.quarter == quarter_id)
        & (Twin.state == "accepted")
        & Twin.remote_quarter.is_null(False)
    )
    return [r.remote_quarter_id for r in rows]


def local_twins_of(remote_uri: str) -> list[int]:
    """Local quarters twinned (accepted) with the remote quarter of this Group id."""
    rows = Twin.select(Twin.quarter).where(
        (Twin.actor_uri == remote_uri) & (Twin.state == "accepted")
    )
    return [r.quarter_id for r in rows]
