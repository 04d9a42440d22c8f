"""Cookies: the session key (the session itself lives in the database, see local/logins.py),
signed payloads (HMAC-SHA256) for links such as sign-up confirmation, and CSRF tokens bound to
the session (or, before log-in, to a random pre-session cookie)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

SESSION_COOKIE = "q_session"
CSRF_COOKIE = "q_csrf"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: str, payload: dict[str, Any]) -> str:
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    mac = hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def unsign(secret: str, value: str | None, now: float | None = None) -> dict[str, Any] | None:
    """The payload if the value is authentic and not expired, else None."""
    if not value or "." not in value:
        return None
    body, mac = value.rsplit(".", 1)
    expected = hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(expected, _unb64(mac)):
            return None
        payload = json.loads(_unb64(body))
    except (ValueError, json.JSONDecodeError):
        return None
    if not isinstance(payload, dict) or payload.get("exp", 0) < (now or time.time()):
        return None
    return payload


def new_csrf_token() -> str:
    """A random pre-session value for the q_csrf cookie (not itself a valid token)."""
    return secrets.token_urlsafe(24)


def csrf_token(secret: str, session_key: str | None, pre_session: str) -> str:
    """The token forms must send: an HMAC of the session key, or of the pre-session cookie.

    A cookie an attacker plants (q_csrf) does not give them the token of a logged-in resident:
    that one depends on the session key, which only the resident's browser holds."""
    basis = f"s:{session_key}" if session_key else f"a:{pre_session}"
    mac = hmac.new(
        secret.encode(), b"csrf|" + basis.encode("utf-8", "surrogatepass"), hashlib.sha256
    )
    return _b64(mac.digest())


def csrf_matches(expected: str | None, sent: str | None) -> bool:
    """Constant-time comparison; any non-ASCII or missing token simply does not match."""
    if not expected or not sent or not sent.isascii() or not expected.isascii():
        return False
    return hmac.compare_digest(expected.encode(), sent.encode())
