"""Who sees which item: my quarter, its twins, everything; and the languages a resident reads.

Remote items keep the Quarter stub of their origin quarter: `twins` items are seen by the residents
of the local quarters twinned with it (the ones they were addressed to), public remote items by
every resident of the node. Visitors only ever see the quarter's own public items.
"""

from __future__ import annotations

from typing import Any

from node.i18n import _
from node.local import geo, twins
from node.local.errors import Invalid
from node.local.models import Quarter

SCOPES = ("quarter", "twins", "all")


def parse_scope(value: str | None) -> str:
    value = (value or "all").strip()
    if value not in SCOPES:
        raise Invalid(_("scope is quarter, twins or all."), {"scope": "choice"})
    return value


def parse_languages(value: str | None) -> tuple[str, ...]:
    """ "fr, de" → ("fr", "de"); empty means every language."""
    parts = [p.strip().lower()[:8] for p in (value or "").replace(";", ",").split(",")]
    return tuple(dict.fromkeys(p for p in parts if p))


def set_languages(resident_id: int, languages: tuple[str, ...]) -> tuple[str, ...]:
    """Store the languages a resident reads (empty: every language); returns what was kept."""
    from node.local.models import Resident

    kept: list[str] = []
    for code in languages:
        if len(",".join([*kept, code])) > 120:
            break
        kept.append(code)
    Resident.update(languages_seen=",".join(kept)).where(Resident.id == resident_id).execute()
    return tuple(kept)


def visible(
    model: Any,
    quarter_id: int | None,
    scope: str = "all",
    languages: tuple[str, ...] = (),
    public_only: bool = False,
) -> Any:
    """A where-clause for Listing or Event rows a resident of `quarter_id` may see in `scope`."""
    mine = (model.quarter == (quarter_id or 0)) & model.external_ref.is_null()
    if public_only:
        return mine & (model.reach == "public")
    remote = model.external_ref.is_null(False)
    twin_ids = twins.twin_quarter_ids(quarter_id)
    from_twins = remote & model.quarter.in_(twin_ids or [0])
    if scope == "quarter":
        clause = mine
    elif scope == "twins":
        clause = from_twins
    else:
        clause = mine | from_twins | (remote & (model.reach == "public"))
    if languages:
        clause = clause & ((model.language == "") | model.language.in_(list(languages)))
    return clause


def origin_of(row: Any) -> dict[str, Any]:
    """Where a remote item comes from: its quarter's name, node host and country."""
    if not getattr(row, "external_ref", None):
        return {}
    quarter = Quarter.get_or_none(Quarter.id == row.quarter_id) if row.quarter_id else None
    return {
        "origin_quarter": quarter.name if quarter else "",
        "origin_country": quarter.country if quarter else "",
    }


def distance(resident: Any, row: Any) -> int | None:
    """Metres from the resident's (private) position to the item's coarse one, rounded to 100 m."""
    if resident is None or None in (resident.lat, resident.lon, row.lat, row.lon):
        return None
    return int(round(geo.distance_m(resident.lat, resident.lon, row.lat, row.lon), -2))
