"""ActivityStreams constants, media types and small helpers for JSON-shaped AS data; no I/O."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
# AS2 §5.6: JSON-LD compaction may shorten the Public collection to these forms,
# and some senders (older Pleroma, Friendica) really emit them.
PUBLIC_ALIASES = frozenset({PUBLIC, "as:Public", "Public"})

ACTIVITY_JSON = "application/activity+json"
LD_JSON = f'application/ld+json; profile="{AS_CONTEXT}"'
JRD_JSON = "application/jrd+json"
# What Mastodon sends when it fetches an object (FEDERATION-NOTES §1.1).
ACCEPT_ACTIVITY = f"{ACTIVITY_JSON}, {LD_JSON}"

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def _parse_media_type(value: str) -> tuple[str, dict[str, str]]:
    """Split 'type/sub; a=b; c="d"' into the lowercased type and its parameters."""
    parts = value.split(";")
    mtype = parts[0].strip().lower()
    params: dict[str, str] = {}
    for part in parts[1:]:
        name, sep, val = part.partition("=")
        if not sep:
            continue
        params[name.strip().lower()] = val.strip().strip('"')
    return mtype, params


def _is_as_ld_json(mtype: str, params: dict[str, str]) -> bool:
    if mtype != "application/ld+json":
        return False
    # RFC 6906: profile is a space-separated list of URIs; absent profile is accepted
    # because several servers send bare application/ld+json.
    profile = params.get("profile")
    return profile is None or AS_CONTEXT in profile.split()


def is_activity_media_type(content_type: str | None) -> bool:
    """True for application/activity+json and application/ld+json with the AS profile (or none)."""
    if not content_type:
        return False
    mtype, params = _parse_media_type(content_type)
    return mtype == ACTIVITY_JSON or _is_as_ld_json(mtype, params)


def wants_activity_json(accept_header: str | None) -> bool:
    """True when an Accept header prefers ActivityStreams JSON over HTML.

    Only explicit AS media ranges count for JSON (a browser's */* must not get JSON);
    wildcards count for HTML. A tie goes to JSON: browsers never name activity+json.
    """
    if not accept_header:
        return False
    as_q = 0.0
    html_q = 0.0
    for item in accept_header.split(","):
        if not item.strip():
            continue
        mtype, params = _parse_media_type(item)
        try:
            q = float(params.get("q", "1"))
        except ValueError:
            q = 0.0
        if mtype == ACTIVITY_JSON or _is_as_ld_json(mtype, params):
            as_q = max(as_q, q)
        elif mtype in ("text/html", "application/xhtml+xml", "text/*", "*/*"):
            html_q = max(html_q, q)
    return as_q > 0 and as_q >= html_q


def as_list(value: Any) -> list[Any]:
    """AS properties may be absent, a single value or an array (AS2 core §4): always a list."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def get_id(value: Any) -> str | None:
    """The id of a reference that is either a URL string or an embedded object."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        ident = value.get("id")
        return ident if isinstance(ident, str) else None
    return None


def first(value: Any) -> Any:
    """The first element of a possibly-array property, or None."""
    items = as_list(value)
    return items[0] if items else None


def is_public(addresses: Any) -> bool:
    """True when any addressee (string, object or list of them) is the Public collection."""
    return any(get_id(a) in PUBLIC_ALIASES for a in as_list(addresses))


def _normalise_host(host: str) -> str:
    host = host.rstrip(".").lower()
    if not host:
        raise ValueError("URL has no host")
    if ":" in host:  # IPv6 literal; urlsplit already removed the brackets
        return host
    try:
        # IDNA (RFC 5891) so that "bücher.example" and "xn--bcher-kva.example" compare equal.
        return host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"invalid host name {host!r}") from exc


_NETLOC_END = re.compile(r"[/?#]")


def origin(url: str) -> tuple[str, str, int | None]:
    """RFC 6454 origin (scheme, host, port) with IDNA host and default ports filled in.

    Raises ValueError for URLs without a scheme or host (their origin is opaque).
    """
    # The origin depends only on "scheme://netloc": cut there and reuse the answer (every
    # inbox request compares several ids of the same few servers). URLs that urlsplit would
    # first clean (tabs, newlines, leading controls) take the full path.
    prefix = origin_prefix(url)
    return _origin(url) if prefix is None else _origin_of_prefix(prefix)


def origin_prefix(url: str) -> str | None:
    """The "scheme://netloc" that a URL's origin depends on, when the URL needs no cleaning
    first (no tabs, newlines or leading controls); None otherwise. Two URLs with the same
    prefix have the same origin."""
    start = url.find("://")
    if start > 0 and url[0] > " " and "\t" not in url and "\n" not in url and "\r" not in url:
        end = _NETLOC_END.search(url, start + 3)
        return url[: end.start()] if end else url
    return None


@functools.lru_cache(maxsize=1024)
def _origin_of_prefix(prefix: str) -> tuple[str, str, int | None]:
    return _origin(prefix)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if not scheme or parts.hostname is None:
        raise ValueError(f"not an absolute URL: {url!r}")
    host = _normalise_host(parts.hostname)
    port = parts.port  # raises ValueError on a non-numeric port
    if port is None:
        port = _DEFAULT_PORTS.get(scheme)
    return scheme, host, port


def same_origin(a: str | None, b: str | None) -> bool:
    """True when both URLs share an origin (FEP-fe34 ownership checks); False if either is bad."""
    if not a or not b:
        return False
    try:
        return origin(a) == origin(b)
    except ValueError:
        return False


def ids(values: Iterable[Any]) -> list[str]:
    """The ids of a list of references, skipping entries without one."""
    return [i for i in (get_id(v) for v in values) if i is not None]
