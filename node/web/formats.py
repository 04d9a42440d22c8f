"""Template filters: dates, numbers and sizes in the reader's language."""

from __future__ import annotations

import datetime as dt

from babel import dates, numbers

from node import i18n


def format_datetime(value: dt.datetime | None, fmt: str = "medium", tz: str | None = None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return dates.format_datetime(value, fmt, tzinfo=tz, locale=i18n.current())


def format_date(value: dt.date | dt.datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return dates.format_date(value, fmt, locale=i18n.current())


def format_price(amount: float | int | None, currency: str = "EUR") -> str:
    if amount is None:
        return ""
    return numbers.format_currency(amount, currency, locale=i18n.current())


def format_distance(metres: float | None) -> str:
    if metres is None:
        return ""
    if metres < 1000:
        return f"{int(round(metres, -1))} m"
    return numbers.format_decimal(round(metres / 1000, 1), locale=i18n.current()) + " km"


def unhex(value: str) -> str:
    try:
        return bytes.fromhex(value).decode("utf-8", errors="replace")
    except ValueError:
        return ""


FILTERS = {
    "unhex": unhex,
    "datetime": format_datetime,
    "date": format_date,
    "price": format_price,
    "distance": format_distance,
}
