"""iCalendar (RFC 5545) for events: escaping, 75-octet line folding, CRLF, TZID or UTC times."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from node.local.text import html_to_text, markdown_to_html

log = logging.getLogger("quartier.web")
PRODID = "-//Quartier//Quartier events//EN"


def escape(value: str) -> str:
    """TEXT escaping (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines."""
    return (
        (value or "")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line at 75 octets (§3.1) without splitting a UTF-8 character."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[str] = []
    start, limit = 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1  # never cut inside a multi-byte character
        parts.append(data[start:end].decode("utf-8"))
        start, limit = end, 74  # continuation lines start with one space
    return "\r\n ".join(parts)


def _utc(value: dt.datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%SZ")


def _local(value: dt.datetime, tz: str) -> str:
    local = value.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(tz))
    return local.strftime("%Y%m%dT%H%M%S")


def _time(name: str, value: dt.datetime, tz: str) -> str:
    if tz and tz != "UTC":
        try:
            return f"{name};TZID={tz}:{_local(value, tz)}"
        except (OverflowError, ValueError, KeyError):  # 9999-12-31 23:00 UTC is year 10000 at +14
            pass
    return f"{name}:{_utc(value)}"


def _vtimezone(tz: str, years: Iterable[int]) -> list[str]:
    """A VTIMEZONE with the offsets in use, so clients without the tz database read TZID right."""
    zone = ZoneInfo(tz)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{tz}"]
    seen: set[tuple[str, int]] = set()
    for year in sorted(y for y in set(years) if 1 < y < 9999):  # the scan steps a year past
        previous = dt.datetime(year, 1, 1, tzinfo=zone).utcoffset()
        for day in range(1, 367):
            moment = dt.datetime(year, 1, 1, 12, tzinfo=zone) + dt.timedelta(days=day)
            offset = moment.utcoffset()
            if offset != previous:
                kind = "DAYLIGHT" if moment.dst() else "STANDARD"
                start = _transition(moment, previous)
                lines += _tz_part(kind, start, previous, offset, moment.tzname() or tz)
                seen.add((kind, year))
                previous = offset
        if not any(y == year for _, y in seen):
            jan = dt.datetime(year, 1, 1, tzinfo=zone)
            lines += _tz_part(
                "STANDARD", jan.replace(tzinfo=None), previous, previous, jan.tzname() or tz
            )
            seen.add(("STANDARD", year))
    lines.append("END:VTIMEZONE")
    return lines


def _transition(moment: dt.datetime, previous: dt.timedelta | None) -> dt.datetime:
    """The local wall time (before the change) when the offset changed in the day before moment."""
    zone = moment.tzinfo
    start = (moment - dt.timedelta(days=1)).astimezone(dt.UTC)
    for hour in range(1, 25):
        instant = start + dt.timedelta(hours=hour)
        if instant.astimezone(zone).utcoffset() != previous:
            return (instant + (previous or dt.timedelta())).replace(tzinfo=None)
    return moment.replace(tzinfo=None)


def _offset(delta: dt.timedelta | None) -> str:
    minutes = int((delta or dt.timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}{minutes % 60:02d}"


def _tz_part(kind: str, start: dt.datetime, before, after, name: str) -> list[str]:
    return [
        f"BEGIN:{kind}",
        f"DTSTART:{start.strftime('%Y%m%dT%H%M%S')}",
        f"TZOFFSETFROM:{_offset(before)}",
        f"TZOFFSETTO:{_offset(after)}",
        f"TZNAME:{escape(name)}",
        f"END:{kind}",
    ]


def plain_description(event) -> str:
    """The description as plain text (RFC 5545 DESCRIPTION is text): from its HTML, which both
    local (Markdown rendered) and remote events have, never the raw Markdown."""
    html = getattr(event, "description_html", "") or markdown_to_html(event.description or "")
    html = re.sub(r"<br\s*/?>\s*", "\n", html)  # a line break, not a paragraph
    html = re.sub(r"<li[^>]*>\s*", "- ", html)
    html = re.sub(r"</li>\s*", "\n", html)
    html = re.sub(r"</(p|ul|ol|h\d|blockquote)>\s*", "\n\n", html)
    text = html_to_text(html)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def vevent(event, url: str, now: dt.datetime) -> list[str]:
    location = ", ".join(
        p for p in (event.place_name, event.street, f"{event.postcode} {event.city}".strip()) if p
    )
    lines = [
        "BEGIN:VEVENT",
        f"UID:{url}",
        f"DTSTAMP:{_utc(now)}",
        _time("DTSTART", event.starts_at, event.timezone),
        _time("DTEND", event.ends_at, event.timezone),
        f"SUMMARY:{escape(event.title)}",
        f"DESCRIPTION:{escape(plain_description(event))}",
        f"URL:{url}",
        f"STATUS:{'CANCELLED' if event.status == 'cancelled' else 'CONFIRMED'}",
        f"CATEGORIES:{escape(event.category)}",
        f"LAST-MODIFIED:{_utc(event.updated_at)}",
    ]
    if location:
        lines.append(f"LOCATION:{escape(location)}")
    if event.lat is not None and event.lon is not None:
        lines.append(f"GEO:{event.lat:.6f};{event.lon:.6f}")
    lines.append("END:VEVENT")
    return lines


def calendar(events: list, url_of, now: dt.datetime, name: str = "") -> str:
    """A VCALENDAR of events; url_of(event) gives each event's public URL (its UID)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    if name:
        lines.append(f"X-WR-CALNAME:{escape(name)}")
    zones: dict[str, set[int]] = {}
    for event in events:
        if event.timezone and event.timezone != "UTC":
            zones.setdefault(event.timezone, set()).update(
                {event.starts_at.year, event.ends_at.year}
            )
    for tz, years in sorted(zones.items()):
        try:
            lines += _vtimezone(tz, years)
        except (OverflowError, ValueError, KeyError):  # an unknown zone or an extreme year
            log.warning("calendar: no VTIMEZONE for %s %s", tz, sorted(years))
    for event in events:
        try:
            lines += vevent(event, url_of(event), now)
        except (OverflowError, ValueError, KeyError):  # one odd event never breaks the feed
            log.warning("calendar: event %s left out", getattr(event, "id", "?"), exc_info=True)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
