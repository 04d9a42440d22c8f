"""Event drafts: checking what an organiser typed (times, place, capacity, category)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from node.i18n import _
from node.local import inputs
from node.local.errors import Invalid
from node.local.models import REACHES

# Mobilizon's category ids, so events keep their category when they federate.
CATEGORIES = (
    "ARTS",
    "BOOK_CLUBS",
    "BUSINESS",
    "CAUSES",
    "COMEDY",
    "CRAFTS",
    "FOOD_DRINK",
    "HEALTH",
    "MUSIC",
    "AUTO_BOAT_AIR",
    "COMMUNITY",
    "FAMILY",
    "FASHION_BEAUTY",
    "FILM_MEDIA",
    "GAMES",
    "LANGUAGE_CULTURE",
    "LEARNING",
    "LGBTQ",
    "MOVEMENTS_POLITICS",
    "NETWORKING",
    "PARTY",
    "PERFORMING_VISUAL_ARTS",
    "PETS",
    "PHOTOGRAPHY",
    "OUTDOORS_ADVENTURE",
    "SPIRITUALITY_RELIGION_BELIEFS",
    "SCIENCE_TECH",
    "SPORTS",
    "THEATRE",
    "MEETING",
)
JOIN_MODES = ("free", "approval")


def _local_time(value: str, tz: ZoneInfo) -> dt.datetime:
    """A local ISO date-time in `tz` (or with its own offset) as naive UTC."""
    parsed = inputs.parse_datetime(value)  # years 1900..2999: no overflow in any zone or ICS
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(dt.UTC).replace(tzinfo=None)


def _float(data: Mapping[str, Any], name: str, low: float, high: float, errors: dict) -> Any:
    raw = data.get(name)
    if raw in (None, ""):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        errors[name] = _("Enter a number.")
        return None
    if not low <= value <= high:
        errors[name] = _("This number is out of range.")
    return value


@dataclass(frozen=True)
class EventDraft:
    """A checked event, ready to schedule or apply as an edit (times are naive UTC)."""

    title: str
    description: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    place_name: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""
    lat: float | None = None
    lon: float | None = None
    capacity: int = 0
    join_mode: str = "free"
    category: str = "COMMUNITY"
    language: str = ""
    reach: str = "quarter"
    organisation_id: int | None = None

    @classmethod
    def parse(cls, data: Mapping[str, Any], default_reach: str = "quarter") -> EventDraft:
        errors: dict[str, str] = {}

        def get(name: str) -> str:
            value = data.get(name)
            return "" if value is None else str(value).strip()

        title = get("title")
        if not title:
            errors["title"] = _("An event needs a title.")
        elif len(title) > 200:
            errors["title"] = _("At most %(n)d characters.", n=200)
        tz_name = get("timezone") or "Europe/Paris"
        try:
            tz = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            errors["timezone"] = _("Unknown time zone.")
            tz = ZoneInfo("UTC")
        times: dict[str, dt.datetime] = {}
        for name in ("start", "end"):
            if not get(name):
                errors[name] = _("Enter a date and time.")
                continue
            try:
                times[name] = _local_time(get(name), tz)
            except ValueError:
                errors[name] = _("Use a date and time like 2025-06-21T18:00.")
        if len(times) == 2 and times["end"] <= times["start"]:
            errors["end"] = _("The end must be after the start.")
        capacity = 0
        if get("capacity"):
            try:
                capacity = inputs.bounded_int(get("capacity"), high=100_000)
            except Invalid:
                errors["capacity"] = _("Enter a whole number (0 means unlimited).")
        join_mode = get("join_mode") or "free"
        if join_mode not in JOIN_MODES:
            errors["join_mode"] = _("Choose free or approval.")
        category = (get("category") or "COMMUNITY").upper()
        if category not in CATEGORIES:
            errors["category"] = _("Unknown category.")
        reach = get("reach") or default_reach
        if reach not in REACHES:
            errors["reach"] = _("Choose quarter, twins or public.")
        lat = _float(data, "lat", -90, 90, errors)
        lon = _float(data, "lon", -180, 180, errors)
        if (lat is None) != (lon is None):
            errors["lat"] = _("Give both latitude and longitude, or neither.")
        organisation_id = None
        if get("organisation"):
            try:
                organisation_id = inputs.bounded_int(get("organisation"), low=1)
            except Invalid:
                errors["organisation"] = _("Unknown organisation.")
        if errors:
            raise Invalid(_("Please correct the marked fields."), errors)
        return cls(
            title=title,
            description=get("description"),
            starts_at=times["start"],
            ends_at=times["end"],
            timezone=tz_name,
            place_name=(get("place") or get("place_name"))[:200],
            street=get("street")[:200],
            postcode=get("postcode")[:16],
            city=get("city")[:120],
            country=get("country").upper()[:2],
            lat=lat,
            lon=lon,
            capacity=capacity,
            join_mode=join_mode,
            category=category,
            language=get("language")[:8],
            reach=reach,
            organisation_id=organisation_id,
        )
