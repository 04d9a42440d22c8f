"""Notification texts, rendered when they are read, in the reader's current language.

A notification keeps its English source message and its parameters (JSON); a parameter may
itself be a term to translate ({"msgid": …}) or a date ({"date": "YYYY-MM-DD"}), so a resident
who switches language reads every notification, old ones included, in the new language."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from node import i18n
from node.i18n import _


def term(msgid: str) -> dict[str, str]:
    """A parameter translated at read time (mark the msgid with N_ at the call site)."""
    return {"msgid": msgid}


def day(value: dt.date) -> dict[str, str]:
    """A date parameter, formatted at read time in the reader's locale."""
    return {"date": value.isoformat()}


def _value(value: Any) -> Any:
    if isinstance(value, dict):
        if isinstance(value.get("msgid"), str):
            return _(value["msgid"])
        if isinstance(value.get("date"), str):
            try:
                day = dt.date.fromisoformat(value["date"])
            except ValueError:
                return value["date"]
            from babel import dates  # Babel's date formats: with the first date shown

            return dates.format_date(day, "medium", locale=i18n.current())
    return value


def encode(variables: dict[str, Any]) -> str:
    return json.dumps(variables, ensure_ascii=False, sort_keys=True, default=str)


def render(message: str, params: str, fallback: str = "") -> str:
    """The text of a notification in the current language (`fallback`: the stored text of rows
    whose source message is unknown)."""
    if not message:
        return fallback
    try:
        variables = json.loads(params or "{}")
    except ValueError:
        variables = {}
    if not isinstance(variables, dict):
        variables = {}
    values = {key: _value(value) for key, value in variables.items()}
    try:
        return _(message, **values)
    except (KeyError, TypeError, ValueError):
        return fallback or message
