"""Guards for handlers: the current resident, required roles, JSON bodies."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web

from node.appkeys import node_key, resident_key
from node.i18n import _
from node.local import inputs
from node.local.errors import Invalid, NotAllowed
from node.local.models import Resident

MAX_JSON_BYTES = 256 * 1024


def current(request: web.Request) -> Resident | None:
    return request.get(resident_key)


def require_resident(request: web.Request) -> Resident:
    """The logged-in resident, or 401 (API) / a redirect to the log-in page (pages)."""
    resident = request.get(resident_key)
    if resident is None:
        if request.path.startswith("/api/"):
            raise web.HTTPUnauthorized(text=_("Authentication required: send a bearer token."))
        raise web.HTTPSeeOther(f"/login?next={quote(request.path_qs, safe='/')}")
    return resident


def require_role(request: web.Request, *roles: str) -> Resident:
    resident = require_resident(request)
    if resident.role not in roles:
        raise NotAllowed(_("This page is for moderators and administrators."))
    return resident


class NotVerified(NotAllowed):
    """Refused until the resident's address is verified: pages show the next step (the same
    403 and error code for the API)."""

    needs_verification = True


def require_verified(request: web.Request) -> Resident:
    """Unverified residents browse but may not publish or contact others (unless the node allows)."""
    resident = require_resident(request)
    node = request.app[node_key]
    if not resident.is_verified and not node.settings.unverified_can_publish:
        raise NotVerified(
            _("Your address must be verified before you can publish or contact neighbours.")
        )
    return resident


async def json_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object, or a clear 400/413/415."""
    if request.content_length is not None and request.content_length > MAX_JSON_BYTES:
        raise web.HTTPRequestEntityTooLarge(
            max_size=MAX_JSON_BYTES,
            actual_size=request.content_length,
            text=_("The JSON body is too large."),
        )
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text=_("Send JSON with Content-Type: application/json."))
    raw = await request.content.read(MAX_JSON_BYTES + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise web.HTTPRequestEntityTooLarge(
            max_size=MAX_JSON_BYTES, actual_size=len(raw), text=_("The JSON body is too large.")
        )
    try:
        data = inputs.loads(raw or b"{}")
    except inputs.BadJson:
        raise web.HTTPBadRequest(text=_("The body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise Invalid(_("The JSON body must be an object."))
    return data
