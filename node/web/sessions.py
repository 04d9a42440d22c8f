"""Signed session cookies (HMAC-SHA256) and CSRF tokens; no server-side session store needed."""

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
    return secrets.token_urlsafe(24)


def csrf_matches(cookie_token: str | None, form_token: str | None) -> bool:
    return bool(cookie_token) and bool(form_token) and hmac.compare_digest(cookie_token, form_token)
