"""Quarters: creation, boundaries, which quarter a resident belongs to, roles."""

from __future__ import annotations

import json
import re

from node.i18n import _
from node.local import adjacency, geo
from node.local.errors import Invalid, NotAllowed, NotFound
from node.local.models import ROLES, Organisation, Quarter, Resident
from node.local.tx import QuarterCreated, QuarterUpdated, ResidentUpdated, Tx

HANDLE = re.compile(r"^[a-z0-9_]{1,64}$")
RESERVED = {
    "admin",
    "api",
    "actor",
    "inbox",
    "static",
    "media",
    "login",
    "logout",
    "signup",
    "settings",
    "listings",
    "events",
    "loans",
    "messages",
    "map",
    "feed",
    "well_known",
    "nodeinfo",
    "healthz",
    "search",
    "notifications",
    "moderation",
    "twins",
}


def check_handle(handle: str, field: str = "username", allow_reserved: bool = False) -> str:
    """Handles are [a-z0-9_] (what other fediverse software resolves) and unique per node."""
    if not HANDLE.match(handle or ""):
        message = _("Use only lower-case letters, digits and _ (at most 64).")
        raise Invalid(message, {field: message})
    if handle in RESERVED and not allow_reserved:  # the operator may seed `admin` (demo)
        raise Invalid(_("This name is reserved."), {field: _("This name is reserved.")})
    taken = (
        Resident.select().where((Resident.username == handle) & (Resident.host == "")).exists()
        or Quarter.select()
        .where((Quarter.slug == handle) & Quarter.external_ref.is_null())
        .exists()
        or _organisation_taken(handle)
    )
    if taken:
        raise Invalid(_("This name is already taken."), {field: _("This name is already taken.")})
    return handle


def _organisation_taken(handle: str) -> bool:
    return Organisation.select().where(Organisation.handle == handle).exists()


def create_quarter(
    tx: Tx,
    slug: str,
    name: str,
    postcodes: list[str] | None = None,
    boundary: str | None = None,
    rural: bool = False,
    country: str = "",
    language: str = "",
    description: str = "",
    center: str | None = None,
    radius: str | float | None = None,
    adjacent: str | None = None,
) -> Quarter:
    """A local quarter drawn by postcodes, a GeoJSON boundary, or a circle (center + radius in
    metres); `adjacent` ("nord,sud") names the existing quarters next to it (both ways)."""
    check_handle(slug, "slug")
    if not name.strip():
        raise Invalid(_("A quarter needs a name."), {"name": _("A quarter needs a name.")})
    geometry, center_point = _boundary(boundary)
    if center is not None or radius is not None:
        geometry, center_point = _circle(center, radius, geometry)
    neighbours = adjacency.parse_slugs(adjacent)
    quarter = Quarter.create(
        slug=slug,
        name=name.strip(),
        postcodes=",".join(p.strip() for p in (postcodes or []) if p.strip()),
        boundary=json.dumps(geometry) if geometry else None,
        rural=rural,
        country=country.upper()[:2],
        language=language,
        description=description,
        center_lat=center_point[0],
        center_lon=center_point[1],
        created_at=tx.now,
    )
    if neighbours:
        adjacency.link(quarter, neighbours)
    tx.record(QuarterCreated(quarter.id))
    return quarter


def _circle(
    center: str | None, radius: str | float | None, boundary: dict | None
) -> tuple[dict | None, tuple[float | None, float | None]]:
    """The quarter as a circle around its centre (a polygon, so it is found like any other)."""
    if boundary is not None and radius is not None:
        message = _("Give either a boundary or a centre and a radius, not both.")
        raise Invalid(message, {"radius": message})
    lat, lon = adjacency.parse_center(center)
    if radius is None:
        return boundary, (lat, lon)
    return adjacency.circle(lat, lon, adjacency.parse_radius(radius)), (lat, lon)


def get_quarter(slug: str) -> Quarter:
    quarter = Quarter.get_or_none((Quarter.slug == slug) & Quarter.external_ref.is_null())
    if quarter is None:
        raise NotFound(_("No such quarter."))
    return quarter


def local_quarters() -> list[Quarter]:
    return list(Quarter.select().where(Quarter.external_ref.is_null()).order_by(Quarter.name))


def find_quarter(
    postcode: str = "", lat: float | None = None, lon: float | None = None
) -> Quarter | None:
    """The local quarter whose boundary contains the point, else whose postcode list has it."""
    quarters = local_quarters()
    if lat is not None and lon is not None:
        for quarter in quarters:
            if quarter.boundary and geo.contains(json.loads(quarter.boundary), lat, lon):
                return quarter
    code = postcode.replace(" ", "").upper()
    if code:
        for quarter in quarters:
            if code in {p.replace(" ", "").upper() for p in quarter.postcode_list()}:
                return quarter
    return None


def assign(tx: Tx, moderator: Resident, resident_id: int, quarter_slug: str) -> Resident:
    """Move a resident to another quarter: admins, or a moderator of the resident's current quarter.

    A moderator never moves a moderator or an admin (their own quarter's included), nor
    themselves. Proofs of address stay with the quarter they were filed in (see verification)."""
    target = get_quarter(quarter_slug)
    resident = Resident.get_or_none(Resident.id == resident_id)
    if resident is None or not resident.is_local:
        raise NotFound(_("No such resident."))
    if moderator.role != "admin":
        allowed = (
            moderator.role == "moderator"
            and resident.quarter_id is not None
            and moderator.quarter_id == resident.quarter_id
            and resident.role in {"resident", "ambassador"}
            and resident.id != moderator.id
        )
        if not allowed:
            raise NotAllowed(_("Only a moderator of this quarter can move a resident."))
    resident.quarter = target
    resident.save()
    tx.record(ResidentUpdated(resident.id))
    return resident


def set_role(tx: Tx, admin: Resident, resident_id: int, role: str) -> Resident:
    if role not in ROLES:
        raise Invalid(_("Unknown role."), {"role": "choice"})
    resident = Resident.get_or_none(Resident.id == resident_id)
    if resident is None or not resident.is_local or resident.deleted_at is not None:
        raise NotFound(_("No such resident."))
    allowed = admin.role == "admin" or (
        admin.role == "moderator"
        and role in {"resident", "ambassador"}
        and admin.quarter_id == resident.quarter_id
        and resident.role in {"resident", "ambassador"}
    )
    if not allowed:
        raise NotAllowed(_("You may not give this role."))
    resident.role = role
    resident.save(only=[Resident.role])
    tx.record(ResidentUpdated(resident.id))
    return resident


def _boundary(boundary: str | None) -> tuple[dict | None, tuple[float | None, float | None]]:
    if not boundary:
        return None, (None, None)
    try:
        geometry = geo.parse_geometry(boundary)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        message = _("The boundary is not a GeoJSON polygon: %(reason)s", reason=str(exc))
        raise Invalid(message, {"boundary": message}) from None
    return geometry, geo.centroid(geometry)


def update_quarter(
    tx: Tx,
    editor: Resident,
    slug: str,
    name: str,
    postcodes: list[str],
    boundary: str | None = None,
    rural: bool = False,
    description: str = "",
    clear_boundary: bool = False,
    adjacent: str | None = None,
) -> Quarter:
    """Admins edit any quarter, moderators their own; a new boundary replaces the old one.

    `adjacent` ("nord,sud", None: unchanged) sets the quarters next to it: admins only, since it
    lets other quarters' residents read this quarter's nearby items and the other way round."""
    quarter = get_quarter(slug)
    if editor.role != "admin" and not (
        editor.role == "moderator" and editor.quarter_id == quarter.id
    ):
        raise NotAllowed(_("Only an administrator or a moderator of this quarter can edit it."))
    if adjacent is not None and set(adjacency.parse_slugs(adjacent)) != set(
        adjacency.slugs_next_to(quarter.id)
    ):
        if editor.role != "admin":
            raise NotAllowed(_("Only an administrator can change which quarters are adjacent."))
        adjacency.set_neighbours(quarter, adjacency.parse_slugs(adjacent))
    if not name.strip():
        raise Invalid(_("A quarter needs a name."), {"name": _("A quarter needs a name.")})
    quarter.name = name.strip()
    quarter.postcodes = ",".join(p.strip() for p in postcodes if p.strip())
    quarter.rural = rural
    quarter.description = description.strip()
    if boundary:
        geometry, center = _boundary(boundary)
        quarter.boundary = json.dumps(geometry)
        quarter.center_lat, quarter.center_lon = center
    elif clear_boundary:
        quarter.boundary = None
    quarter.save()
    tx.record(QuarterUpdated(quarter.id))
    return quarter
