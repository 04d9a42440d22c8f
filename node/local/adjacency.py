"""Adjacent quarters: local quarters that border each other (reach `nearby`), and quarters drawn
as a circle around a centre.

Adjacency is symmetric: one row per direction, so "the quarters next to mine" is one indexed
lookup. Only quarters of this node are adjacent; quarters on other nodes are twinned instead.
"""

from __future__ import annotations

import math

import peewee as pw

from node.db import BaseModel
from node.i18n import _
from node.local.errors import Invalid
from node.local.models import Quarter, utcnow

MIN_RADIUS_M = 50
MAX_RADIUS_M = 50_000
CIRCLE_VERTICES = 48
MAX_ADJACENT = 50


class QuarterNeighbour(BaseModel):
    """`quarter` borders `neighbour` (and the row the other way round exists too)."""

    quarter = pw.ForeignKeyField(Quarter, lazy_load=False, on_delete="CASCADE", backref="+")
    neighbour = pw.ForeignKeyField(Quarter, lazy_load=False, on_delete="CASCADE", backref="+")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "quarter_neighbour"
        indexes = ((("quarter", "neighbour"), True),)


ADJACENCY_MODELS = [QuarterNeighbour]


def adjacent_ids(quarter_id: int | None) -> list[int]:
    """Ids of the local quarters next to this one (not the quarter itself)."""
    if quarter_id is None:
        return []
    rows = QuarterNeighbour.select(QuarterNeighbour.neighbour).where(
        QuarterNeighbour.quarter == quarter_id
    )
    return sorted(r.neighbour_id for r in rows)


def nearby_ids(quarter_id: int | None) -> list[int]:
    """My quarter and the ones next to it (reach and scope `nearby`)."""
    if quarter_id is None:
        return []
    return [quarter_id, *adjacent_ids(quarter_id)]


def parse_slugs(text: str | None) -> list[str]:
    """ "nord, sud" → ["nord", "sud"] (duplicates dropped, order kept)."""
    parts = [p.strip().lower() for p in (text or "").split(",")]
    slugs = list(dict.fromkeys(p for p in parts if p))
    if len(slugs) > MAX_ADJACENT:
        message = _("At most %(n)d adjacent quarters.", n=MAX_ADJACENT)
        raise Invalid(message, {"adjacent": message})
    return slugs


def link(quarter: Quarter, slugs: list[str]) -> list[Quarter]:
    """Make these local quarters adjacent to `quarter`, both ways; unknown slugs are refused."""
    found = {
        q.slug: q
        for q in Quarter.select().where(Quarter.slug.in_(slugs) & Quarter.external_ref.is_null())
    }
    missing = [s for s in slugs if s not in found]
    if missing:
        message = _("No such quarter: %(slugs)s.", slugs=", ".join(missing))
        raise Invalid(message, {"adjacent": message})
    if quarter.slug in found:
        message = _("A quarter cannot be adjacent to itself.")
        raise Invalid(message, {"adjacent": message})
    for other in found.values():
        for a, b in ((quarter.id, other.id), (other.id, quarter.id)):
            QuarterNeighbour.insert(quarter=a, neighbour=b).on_conflict_ignore().execute()
    return [found[s] for s in slugs]


def set_neighbours(quarter: Quarter, slugs: list[str]) -> list[Quarter]:
    """Exactly these quarters are next to `quarter` (both ways): others are unlinked."""
    wanted = link(quarter, slugs) if slugs else []
    keep = {q.id for q in wanted}
    for other_id in adjacent_ids(quarter.id):
        if other_id not in keep:
            unlink(quarter.id, other_id)
    return wanted


def slugs_next_to(quarter_id: int) -> list[str]:
    ids = adjacent_ids(quarter_id)
    if not ids:
        return []
    return [
        q.slug
        for q in Quarter.select(Quarter.slug).where(Quarter.id.in_(ids)).order_by(Quarter.slug)
    ]


def unlink(quarter_id: int, other_id: int) -> None:
    QuarterNeighbour.delete().where(
        ((QuarterNeighbour.quarter == quarter_id) & (QuarterNeighbour.neighbour == other_id))
        | ((QuarterNeighbour.quarter == other_id) & (QuarterNeighbour.neighbour == quarter_id))
    ).execute()


def parse_center(text: str | None) -> tuple[float, float]:
    """ "48.64,-2.01" → (48.64, -2.01); anything else is refused with a message."""
    message = _("Give the centre as LAT,LON in degrees, for example 48.6493,-2.0257.")
    parts = (text or "").split(",")
    if len(parts) != 2:
        raise Invalid(message, {"center": message})
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        raise Invalid(message, {"center": message}) from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise Invalid(message, {"center": message})
    return lat, lon


def parse_radius(text: str | float | None) -> float:
    """A radius in metres between MIN_RADIUS_M and MAX_RADIUS_M."""
    message = _(
        "Give the radius in metres, between %(low)d and %(high)d.",
        low=MIN_RADIUS_M,
        high=MAX_RADIUS_M,
    )
    try:
        radius = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise Invalid(message, {"radius": message}) from None
    if not (math.isfinite(radius) and MIN_RADIUS_M <= radius <= MAX_RADIUS_M):
        raise Invalid(message, {"radius": message})
    return radius


def circle(lat: float, lon: float, radius_m: float, vertices: int = CIRCLE_VERTICES) -> dict:
    """A GeoJSON Polygon approximating the circle (closed ring of [lon, lat] points)."""
    ring = []
    for i in range(vertices):
        angle = 2 * math.pi * i / vertices
        dlat = radius_m * math.cos(angle) / 111_320.0
        dlon = radius_m * math.sin(angle) / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
        ring.append([round(lon + dlon, 7), round(lat + dlat, 7)])
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}
