"""Organisation accounts: created by an admin, managed by several residents, no shared password.

An organisation acts through its members (see can_act_for); it is never given access to residents'
private messages."""

from __future__ import annotations

import peewee as pw

from node.i18n import _
from node.local.errors import Conflict, Invalid, NotAllowed, NotFound
from node.local.models import Organisation, OrganisationMember, Quarter, Resident
from node.local.quarters import check_handle, get_quarter
from node.local.tx import Tx

KINDS = Organisation.KINDS


def _require_admin(actor: Resident) -> None:
    if actor.role != "admin":
        raise NotAllowed(_("Only an administrator can do this."))


def _clean(name: str, kind: str) -> tuple[str, str]:
    name = name.strip()
    if not name:
        raise Invalid(_("An organisation needs a name."), {"name": _("Required.")})
    if kind not in KINDS:
        raise Invalid(
            _("Unknown kind of organisation."), {"kind": _("Unknown kind of organisation.")}
        )
    return name, kind


def create(
    tx: Tx,
    actor: Resident,
    handle: str,
    name: str,
    kind: str = "association",
    quarter_slug: str = "",
    description: str = "",
    website: str = "",
    verified: bool = False,
) -> Organisation:
    _require_admin(actor)
    handle = handle.strip().lower()
    try:
        check_handle(handle, "handle")
    except Invalid as exc:
        raise Invalid(exc.message, {"handle": exc.message}) from None
    name, kind = _clean(name, kind)
    quarter = get_quarter(quarter_slug) if quarter_slug else None
    return Organisation.create(
        handle=handle,
        name=name,
        kind=kind,
        quarter=quarter,
        description=description.strip(),
        website=website.strip(),
        verified=verified,
        created_at=tx.now,
    )


def get(organisation_id: int) -> Organisation:
    org = Organisation.get_or_none(Organisation.id == organisation_id)
    if org is None:
        raise NotFound(_("No such organisation."))
    return org


def update(
    tx: Tx,
    actor: Resident,
    organisation_id: int,
    name: str,
    kind: str,
    quarter_slug: str = "",
    description: str = "",
    website: str = "",
    verified: bool | None = None,
) -> Organisation:
    """Admins edit everything; managing members edit all but the verified badge and the quarter."""
    org = get(organisation_id)
    if actor.role != "admin" and not can_act_for(actor, org.id):
        raise NotAllowed(_("Only an administrator can do this."))
    org.name, org.kind = _clean(name, kind)
    quarter = get_quarter(quarter_slug) if quarter_slug else None
    if actor.role != "admin" and (quarter.id if quarter else None) != org.quarter_id:
        raise NotAllowed(_("Only an administrator can move an organisation to another quarter."))
    org.quarter = quarter
    org.description = description.strip()
    org.website = website.strip()
    if verified is not None and actor.role == "admin":
        org.verified = verified
    org.save()
    return org


def _may_manage_members(actor: Resident, org_id: int) -> bool:
    if actor.role == "admin":
        return True
    return (
        OrganisationMember.select()
        .where(
            (OrganisationMember.organisation == org_id)
            & (OrganisationMember.resident == actor.id)
            & (OrganisationMember.role == "owner")
        )
        .exists()
    )


def add_member(
    tx: Tx, actor: Resident, organisation_id: int, username: str, role: str = "manager"
) -> OrganisationMember:
    org = get(organisation_id)
    if not _may_manage_members(actor, org.id):
        raise NotAllowed(_("Only an administrator or an owner of the organisation can do this."))
    if role not in {"manager", "owner"}:
        raise Invalid(_("Unknown role."), {"role": _("Unknown role.")})
    resident = Resident.get_or_none(
        (Resident.username == username.strip().lower())
        & (Resident.host == "")
        & Resident.deleted_at.is_null()
    )
    if resident is None:
        raise Invalid(_("No such resident."), {"username": _("No such resident.")})
    exists = OrganisationMember.get_or_none(
        (OrganisationMember.organisation == org.id) & (OrganisationMember.resident == resident.id)
    )
    if exists:
        raise Conflict(_("This resident already manages the organisation."))
    return OrganisationMember.create(
        organisation=org.id, resident=resident.id, role=role, created_at=tx.now
    )


def remove_member(tx: Tx, actor: Resident, organisation_id: int, resident_id: int) -> None:
    org = get(organisation_id)
    if not _may_manage_members(actor, org.id) and actor.id != resident_id:
        raise NotAllowed(_("Only an administrator or an owner of the organisation can do this."))
    OrganisationMember.delete().where(
        (OrganisationMember.organisation == org.id) & (OrganisationMember.resident == resident_id)
    ).execute()


def can_act_for(resident: Resident | None, organisation_id: int) -> bool:
    """Whether this resident manages the organisation (may publish in its name)."""
    if resident is None or resident.deleted_at is not None:
        return False
    return (
        OrganisationMember.select()
        .where(
            (OrganisationMember.organisation == organisation_id)
            & (OrganisationMember.resident == resident.id)
        )
        .exists()
    )


def members(organisation_id: int) -> list[OrganisationMember]:
    return list(
        OrganisationMember.select(OrganisationMember, Resident)
        .join(Resident)
        .where(OrganisationMember.organisation == organisation_id)
        .order_by(Resident.username)
    )


def managed_by(resident_id: int) -> list[Organisation]:
    return list(
        Organisation.select()
        .join(OrganisationMember)
        .where(OrganisationMember.resident == resident_id)
        .order_by(Organisation.name)
    )


def all_organisations() -> list[Organisation]:
    return list(
        Organisation.select(Organisation, Quarter)
        .join(Quarter, pw.JOIN.LEFT_OUTER, on=(Organisation.quarter == Quarter.id))
        .order_by(Organisation.name)
    )
