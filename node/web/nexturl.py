"""The one check for a `next` / return address taken from a request: a path on this site, or "/"."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

# C0 and C1 control characters, DEL, and the invisible characters browsers drop from URLs
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028\u2029\ufeff]")


def safe_next(value: object, default: str = "/") -> str:
    """A local path to send the browser to: never another site.

    Browsers remove tabs and newlines from a Location and read a backslash as a slash, so
    "/\\t/evil.example" or "/\\\\evil.example" would lead to //evil.example. Such characters
    are refused, here and in their percent-encoded form, before the path is judged local."""
    if not isinstance(value, str) or not value or len(value) > 2000:
        return default
    if " " in value:  # a literal space never comes from a URL this site built
        return default
    for text in (value, unquote(value)):
        if _CONTROL.search(text) or "\\" in text:
            return default
    if not value.startswith("/") or value.startswith("//"):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value
