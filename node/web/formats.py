"""Template filters: dates, numbers and sizes in the reader's language."""

from __future__ import annotations

import datetime as dt
import functools

from babel import Locale, UnknownLocaleError, dates, numbers

from node import i18n

_parse = functools.lru_cache(maxsize=64)(Locale.parse)
_zone = functools.lru_cache(maxsize=256)(dates.get_timezone)


def _locale() -> Locale:
    """The reader's Babel Locale, parsed once per language: a feed page formats ~25 dates, and
    Babel parsed the language code again for each (~280 parses a page, bench/sharing.py)."""
    return _parse(i18n.current())


def format_datetime(value: dt.datetime | None, fmt: str = "medium", tz: str | None = None) -> str:
    """Date in `fmt`, time without seconds (nobody meets at 11:33:47), both in the zone `tz`."""
    if value is None:
        return ""
    return _format_datetime(value, fmt, tz, i18n.current())


@functools.lru_cache(maxsize=2048)
def _format_datetime(value: dt.datetime, fmt: str, tz: str | None, language: str) -> str:
    # kept: the same items' dates come back on every page of a feed (~25 a page, ~80 µs each)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    locale = _parse(language)
    zone = _zone(tz or "UTC")
    local = value.astimezone(zone)
    day = dates.format_date(local.date(), fmt, locale=locale)
    hour = dates.format_time(local, "short", tzinfo=zone, locale=locale)
    pattern = dates.get_datetime_format(fmt, locale=locale)
    return str(pattern).replace("{1}", day).replace("{0}", hour)


def format_date(value: dt.date | dt.datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return dates.format_date(value, fmt, locale=_locale())


def format_since(value: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """How long ago, in the reader's language ("il y a 3 heures"); the date itself after a week."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    delta = value - now
    if abs(delta) >= dt.timedelta(days=7):
        return dates.format_date(value, "medium", locale=_locale())
    threshold = 0.85  # Babel's: 55 minutes read as "1 hour"
    if abs(delta) < dt.timedelta(minutes=2):  # "1 minute ago", never a count of seconds
        delta, threshold = dt.timedelta(minutes=-1 if delta <= dt.timedelta(0) else 1), 0.9
    return dates.format_timedelta(
        delta, add_direction=True, format="long", threshold=threshold, locale=_locale()
    )


def format_part(value: dt.datetime | None, pattern: str, tz: str | None = None) -> str:
    """One part of a moment in the reader's language and the event's zone: "MMM" → "déc.", "d" → "6"."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    zone = _zone(tz or "UTC")
    return dates.format_datetime(value, pattern, tzinfo=zone, locale=_locale())


def format_iso_date(value: str | None, fmt: str = "medium") -> str:
    """A date stored as ISO text ("2026-12-09") in the reader's language; other text unchanged."""
    if not value:
        return ""
    try:
        return dates.format_date(dt.date.fromisoformat(value[:10]), fmt, locale=_locale())
    except ValueError:
        return value


def format_price(amount: float | int | None, currency: str = "EUR") -> str:
    if amount is None:
        return ""
    return numbers.format_currency(amount, currency, locale=_locale())


def format_distance(metres: float | None) -> str:
    if metres is None:
        return ""
    if metres < 100:
        # positions are ~150 m cells: "0 m" (or "0.0 km") would claim a precision we do not have
        return "< 100 m"
    if metres < 1000:
        return f"{int(round(metres, -1))} m"
    return numbers.format_decimal(round(metres / 1000, 1), locale=_locale()) + " km"


def language_name(code: str | None) -> str:
    """A language code ("de") as its name in the reader's language ("allemand")."""
    if not code:
        return ""
    try:
        return Locale.parse(code.replace("-", "_")).get_display_name(_locale()) or code
    except (ValueError, TypeError, UnknownLocaleError):
        return code


def unhex(value: str) -> str:
    try:
        return bytes.fromhex(value).decode("utf-8", errors="replace")
    except ValueError:
        return ""


FILTERS = {
    "unhex": unhex,
    "datetime": format_datetime,
    "date": format_date,
    "since": format_since,
    "isodate": format_iso_date,
    "part": format_part,
    "price": format_price,
    "distance": format_distance,
    "language_name": language_name,
}
