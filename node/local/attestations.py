"""Residence attestations: "verified resident of <quarter> since <date>", kept in step with the
resident's verification and quarter, and withdrawn when either no longer holds.

The quarter's Group signs the statement when its actor document is served (node/activitypub/
residence.py); this module only decides whether it stands. A move withdraws it (the proof was
for the old quarter); a new verification in the new quarter issues a new one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import peewee as pw

from node.db import BaseModel
from node.i18n import _
from node.local.errors import Invalid, InvalidTransition, NotAllowed, NotFound
from node.local.models import Quarter, Resident, utcnow
from node.local.notifications.send import N_, notify
from node.local.tx import ResidentUpdated, Tx


class ResidenceAttestation(BaseModel):
    """The one attestation of a local resident: active (withdrawn_at NULL) or withdrawn."""

    resident = pw.ForeignKeyField(Resident, unique=True, lazy_load=False, on_delete="CASCADE")
    quarter = pw.ForeignKeyField(Quarter, null=True, lazy_load=False, on_delete="SET NULL")
    since = pw.DateTimeField()  # when the address was verified
    issued_at = pw.DateTimeField(default=utcnow)  # the proof's `created`
    withdrawn_at = pw.DateTimeField(null=True)
    withdrawn_why = pw.CharField(max_length=16, default="")  # moved | unverified | deleted


ATTESTATION_MODELS = [ResidenceAttestation]


@dataclass(frozen=True)
class Standing:
    """What sync() did: the quarter whose Group must tell its twins (None: nothing changed)."""

    changed: bool
    quarter_id: int | None = None


def _wanted(resident: Resident) -> bool:
    if not resident.is_local or resident.deleted_at is not None or resident.verified_at is None:
        return False
    quarter = (
        Quarter.get_or_none(Quarter.id == resident.quarter_id) if resident.quarter_id else None
    )
    return quarter is not None and quarter.is_local


def sync(resident_id: int, now: dt.datetime) -> Standing:
    """Issue, keep or withdraw the resident's attestation after any change to them."""
    resident = Resident.get_or_none(Resident.id == resident_id)
    row = ResidenceAttestation.get_or_none(ResidenceAttestation.resident == resident_id)
    if resident is None:
        return Standing(False)
    wanted = _wanted(resident)
    if row is not None and row.withdrawn_at is None:
        if wanted and row.quarter_id == resident.quarter_id:
            return Standing(False)
        if not wanted and resident.deleted_at is not None:
            why = "deleted"
        else:
            why = "unverified" if resident.verified_at is None else "moved"
        row.withdrawn_at, row.withdrawn_why = now, why
        row.save()
        return Standing(True, row.quarter_id)
    if not wanted:
        return Standing(False)
    # a first attestation, or a new one after a verification made since the withdrawal
    if row is not None and not (resident.verified_at > row.withdrawn_at):
        return Standing(False)
    values = {
        "quarter": resident.quarter_id,
        "since": resident.verified_at,
        "issued_at": now,
        "withdrawn_at": None,
        "withdrawn_why": "",
    }
    if row is None:
        ResidenceAttestation.create(resident=resident.id, **values)
    else:
        ResidenceAttestation.update(**values).where(ResidenceAttestation.id == row.id).execute()
    return Standing(True, resident.quarter_id)


def active(resident_id: int) -> ResidenceAttestation | None:
    return ResidenceAttestation.get_or_none(
        (ResidenceAttestation.resident == resident_id) & ResidenceAttestation.withdrawn_at.is_null()
    )


def active_in(quarter_id: int) -> list[int]:
    """Residents holding an attestation of this quarter (re-issued when its key rotates)."""
    rows = ResidenceAttestation.select(ResidenceAttestation.resident).where(
        (ResidenceAttestation.quarter == quarter_id) & ResidenceAttestation.withdrawn_at.is_null()
    )
    return [r.resident_id for r in rows]


def revoke(tx: Tx, moderator: Resident, resident_id: int, reason: str) -> Resident:
    """Un-verify a resident (admins, or moderators of the resident's quarter): the attestation
    goes with the next actor Update; the resident is told why."""
    resident = Resident.get_or_none(Resident.id == resident_id)
    if resident is None or not resident.is_local or resident.deleted_at is not None:
        raise NotFound(_("No such resident."))
    allowed = moderator.role == "admin" or (
        moderator.role == "moderator"
        and resident.quarter_id is not None
        and moderator.quarter_id == resident.quarter_id
        and resident.id != moderator.id
    )
    if not allowed:
        raise NotAllowed(_("Only a moderator of this quarter can withdraw a verification."))
    if resident.verified_at is None:
        raise InvalidTransition(_("This resident is not verified."))
    reason = (reason or "").strip()
    if not reason:
        message = _("Give the resident a reason.")
        raise Invalid(message, {"reason": message})
    resident.verified_at = None
    resident.verification = "none"
    resident.save(only=[Resident.verified_at, Resident.verification])
    notify(
        resident,
        "verification",
        N_("A moderator withdrew the verification of your address: %(reason)s"),
        "/settings",
        reason=reason[:500],
    )
    tx.record(ResidentUpdated(resident.id))
    return resident
