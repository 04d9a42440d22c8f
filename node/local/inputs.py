"""Untrusted input made safe in one place: text cleaning, bounded ints, dates, depth-limited JSON."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import orjson

from node.i18n import _
from node.local.errors import Invalid, NotFound

# Ids and counts are 32-bit INTEGER columns on PostgreSQL (SERIAL); SQLite overflows past 2**63.
DB_INT_MAX = 2**31 - 1
# Dates a neighbourhood can mean: far enough for old imports and long plans, and far enough from
# datetime's year 1..9999 that a time zone shift or a VTIMEZONE year scan never overflows.
MIN_YEAR, MAX_YEAR = 1900, 2999
# JSON nested deeper than this is refused before json.loads recurses (RecursionError at ~1,000).
MAX_JSON_DEPTH = 64

# Lone surrogates cannot be encoded as UTF-8; C0/C1 controls (but tab, newline, carriage
# return) and U+FFFE/U+FFFF have no place in a title or a message.
_UNWANTED = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def clean_text(value: str) -> str:
    """`value` without lone surrogates and control characters (newline, tab, CR kept)."""
    return _UNWANTED.sub("", value) if _UNWANTED.search(value) else value


# JSON forbids raw controls in strings: unwanted characters arrive as \u escapes, or as raw
# C1 controls / U+FFFE / U+FFFF / UTF-8-encoded surrogates (json.loads decodes bytes with
# "surrogatepass"); a body with none of these has nothing to clean.
_DIRTY_BYTES = re.compile(rb"\\u|\xc2[\x80-\x9f]|\xef\xbf[\xbe\xbf]|\xed[\xa0-\xbf]")
_DIGITS = bytes(48 if 48 <= i <= 57 else 32 for i in range(256))  # digits → "0", others → " "
_LONG_DIGITS = b"0" * 19  # 19 digits may exceed a signed 64-bit integer
_DIRTY_TEXT = re.compile("\\\\u|[\x80-\x9f\ud800-\udfff\ufffe\uffff]")


class BadJson(ValueError):
    """Not JSON we accept: syntax, encoding, nesting depth, NaN/Infinity or absurd numbers."""


def clean_json(value: Any, depth_left: int = MAX_JSON_DEPTH) -> Any:
    """Parsed JSON with every string (keys too) cleaned; BadJson when nested deeper than allowed.

    The recursion is bounded by `depth_left`, so this never reaches Python's recursion limit.
    """
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict | list):
        if depth_left <= 0:
            raise BadJson(f"nested deeper than {MAX_JSON_DEPTH}")
        if isinstance(value, dict):
            return {clean_text(k): clean_json(v, depth_left - 1) for k, v in value.items()}
        return [clean_json(v, depth_left - 1) for v in value]
    return value


def _no_constant(name: str) -> Any:
    raise BadJson(f"{name} is not JSON")


def _float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise BadJson("number out of range")
    return value


_DECODER = json.JSONDecoder(parse_constant=_no_constant, parse_float=_float)


def loads(raw: bytes | str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """json.loads for untrusted bodies: depth-limited, finite numbers, cleaned strings."""
    return parse_json(raw, max_depth)[0]


def parse_json(raw: bytes | str, max_depth: int = MAX_JSON_DEPTH) -> tuple[Any, bool]:
    """`loads`, and whether the value is exactly what `raw` says (nothing had to be cleaned).

    orjson first (several times faster, and it refuses what we refuse: NaN, infinities, lone
    surrogates, bad UTF-8); anything it refuses takes the json path, which decides as before
    (a lone surrogate is cleaned there, not refused). json's C scanner raises RecursionError (not a crash) past ~1,000
    levels, long before a 20,000-deep body is read; shallower nesting is refused by the bounded
    walk of clean_json. No character-by-character pre-scan in Python.
    """
    if isinstance(raw, bytes | bytearray):
        brackets = raw.count(b"[") + raw.count(b"{")
        # the regex only when one of its lead bytes is there (a byte search is far cheaper)
        # (an ASCII body can only hold the first of these: one scan instead of four)
        dirty = (
            b"\\u" in raw
            if raw.isascii()
            else (b"\\u" in raw or b"\xc2" in raw or b"\xef\xbf" in raw or b"\xed" in raw)
        ) and _DIRTY_BYTES.search(raw)
    else:
        brackets, dirty = raw.count("[") + raw.count("{"), _DIRTY_TEXT.search(raw)
    data: Any = None
    try:
        # orjson reads an integer past 64 bits as a float; json keeps it exact (and range checks
        # refuse it with the right message): such bodies take the json path.
        if not isinstance(raw, bytes | bytearray) or _LONG_DIGITS in raw.translate(_DIGITS):
            raise orjson.JSONDecodeError("long number or text input", "", 0)
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:
            if isinstance(raw, bytes | bytearray):  # as json.loads does it
                text = raw.decode(json.detect_encoding(raw), "surrogatepass")
            else:
                text = raw
            data = _DECODER.decode(text)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError, digits
            raise BadJson(str(exc)[:200]) from None
        dirty = dirty or True  # decoded another way (UTF-16, surrogates): never "exactly raw"
    if brackets <= max_depth and not dirty:  # the common case: nothing to walk
        return data, True
    return clean_json(data, max_depth), False


def bounded_int(
    value: Any, name: str = "", low: int = 0, high: int = DB_INT_MAX, message: str = ""
) -> int:
    """A whole number in [low, high] from a form, query or JSON value, else Invalid (422)."""
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d{1,12}\s*", value):
        number = int(value)
    if number is None or not low <= number <= high:
        text = message or _(
            "Enter a whole number between %(low)d and %(high)d.", low=low, high=high
        )
        raise Invalid(text, {name: text} if name else None)
    return number


def optional_int(value: Any, name: str = "", low: int = 0, high: int = DB_INT_MAX) -> int | None:
    """bounded_int, but None for a missing or empty value."""
    if value is None or value == "":
        return None
    return bounded_int(value, name, low, high)


def record_id(value: Any, message: str = "") -> int:
    """An id from a URL or a form: a positive 32-bit number, else NotFound (404)."""
    if isinstance(value, str) and re.fullmatch(r"\d{1,10}", value.strip()):
        number = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        number = -1
    if not 0 < number <= DB_INT_MAX:
        raise NotFound(message or _("This page does not exist."))
    return number


def in_range(moment: dt.date | dt.datetime) -> bool:
    return MIN_YEAR <= moment.year <= MAX_YEAR


def parse_date(value: Any) -> dt.date:
    """A YYYY-MM-DD date within MIN_YEAR..MAX_YEAR, else ValueError."""
    parsed = dt.date.fromisoformat(str(value or "").strip()[:10])
    if not in_range(parsed):
        raise ValueError("year out of range")
    return parsed


def parse_datetime(value: Any) -> dt.datetime:
    """An ISO date-time within MIN_YEAR..MAX_YEAR (aware or naive), else ValueError."""
    parsed = dt.datetime.fromisoformat(str(value or "").strip())
    if not in_range(parsed):
        raise ValueError("year out of range")
    return parsed


def id_or_none(value: Any) -> int | None:
    """A record id from an optional field, or None when it is missing or cannot be one."""
    try:
        return record_id(value)
    except NotFound:
        return None
