"""JSON API of residents' public profiles: who they are, where they are verified, their thanks."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local import attestations, inputs, thanks
from node.local.errors import Invalid, NotFound
from node.local.models import Quarter, Resident
from node.web import standing
from node.web.guards import json_body, require_role
from node.web.render import redirect


def _find(handle: str) -> tuple[Resident, Quarter | None] | None:
    """`name` (ours) or `name@host` (ours too when host is ours; else a remote person we know)."""
    username, _sep, host = handle.strip().lstrip("@").lower().partition("@")
    if not username or len(username) > 64 or len(host) > 255:
        return None
    resident = Resident.get_or_none(
        (Resident.username == username) & (Resident.host == host) & Resident.deleted_at.is_null()
    )
    if resident is None:
        return None
    quarter = (
        Quarter.get_or_none(Quarter.id == resident.quarter_id) if resident.quarter_id else None
    )
    return resident, quarter


def resident_json(
    node: Any, resident: Resident, quarter: Quarter | None, verdict: Any
) -> dict[str, Any]:
    """Public fields only: never an e-mail, an address or a position."""
    local = resident.is_local
    data = {
        "handle": resident.handle.lstrip("@") if not local else resident.username,
        "username": resident.username,
        "host": resident.host or node.urls.host,
        "local": local,
        "name": resident.name,
        "actor": node.urls.resident(resident.username) if local else resident.external_ref,
        "url": node.urls.absolute(f"/{resident.handle}"),
        "bio": resident.bio if local else "",
        "avatar": node.urls.media(resident.avatar) if local and resident.avatar else None,
        "member_since": resident.created_at.isoformat() + "Z" if local else None,
        **standing.verification_json(verdict),
        "verified_label": standing.label(verdict) or None,
    }
    if local and quarter is not None and not data["quarter"]:
        data["quarter"] = quarter.name
        data["country"] = quarter.country or node.settings.node_country or None
    return data


async def show(request: web.Request) -> web.Response:
    """GET /api/v1/residents/{handle}: readable by anyone, like the profile page and the actor."""
    node = request.app[node_key]
    found = await node.db.run(_find, request.match_info["handle"])
    if found is None:
        raise NotFound(_("No such resident."))
    resident, quarter = found
    verdict = await standing.verdict(node, resident)
    data = resident_json(node, resident, quarter, verdict)
    data["thanks"] = standing.thanks_json(await node.db.run(thanks.summary, resident.id))
    return web.json_response(data)


def _local_id(handle: str) -> int:
    found = _find(handle)
    if found is None or not found[0].is_local:
        raise NotFound(_("No such resident."))
    return found[0].id


async def unverify(request: web.Request) -> web.Response:
    """POST /api/v1/residents/{handle}/unverify {"reason"}: a moderator of the resident's quarter
    (or an admin) withdraws the verification; the attestation goes with the next actor Update."""
    node = request.app[node_key]
    me = require_role(request, "moderator", "admin")
    data = await json_body(request)
    reason = data.get("reason")
    if not isinstance(reason, str):
        raise Invalid(_("Give the resident a reason."), {"reason": "type"})
    resident_id = await node.db.run(_local_id, request.match_info["handle"])
    await commit(node, attestations.revoke, me, resident_id, reason, actor_id=me.id)
    resident, quarter = await node.db.run(_find, request.match_info["handle"])
    verdict = await standing.verdict(node, resident)
    return web.json_response(resident_json(node, resident, quarter, verdict))


async def unverify_form(request: web.Request) -> web.StreamResponse:
    """The same from /admin/residents (a form with the reason)."""
    node = request.app[node_key]
    me = require_role(request, "moderator", "admin")
    form = await request.post()
    resident_id = inputs.bounded_int(request.match_info["id"], low=1)
    reason = str(form.get("reason") or "")
    await commit(node, attestations.revoke, me, resident_id, reason, actor_id=me.id)
    raise redirect("/admin/residents", _("The verification is withdrawn."))


ROUTES = [
    ("GET", "/api/v1/residents/{handle}", show, "api_resident"),
    ("POST", "/api/v1/residents/{handle}/unverify", unverify, "api_resident_unverify"),
    ("POST", "/admin/residents/{id:\\d+}/unverify", unverify_form, "admin_resident_unverify"),
]

_ERR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

SCHEMAS = {
    "Resident": {
        "type": "object",
        "required": ["handle", "name", "local", "verified", "verified_by", "quarter", "country"],
        "properties": {
            "handle": {"type": "string", "description": "`name` (ours) or `name@host`"},
            "username": {"type": "string"},
            "host": {"type": "string"},
            "local": {"type": "boolean"},
            "name": {"type": "string"},
            "actor": {"type": "string", "description": "ActivityPub id"},
            "url": {"type": "string"},
            "bio": {"type": "string"},
            "avatar": {"type": "string", "nullable": True},
            "member_since": {"type": "string", "nullable": True},
            "verified": {
                "type": "boolean",
                "description": "Ours: address verified here. Remote: a residence attestation "
                "whose signature checks out against a twin's (or trusted node's) Group key.",
            },
            "verified_by": {"type": "string", "nullable": True, "description": "Group actor id"},
            "verified_since": {"type": "string", "nullable": True, "format": "date"},
            "verified_label": {"type": "string", "nullable": True},
            "quarter": {"type": "string", "nullable": True},
            "country": {"type": "string", "nullable": True},
            "thanks": {
                "type": "object",
                "description": "Thanks received (never stars): how many, and the latest three",
                "properties": {
                    "count": {"type": "integer"},
                    "latest": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "from": {"type": "string"},
                                "kind": {"type": "string"},
                                "text": {"type": "string"},
                                "created_at": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
    }
}

OPENAPI = {
    "/api/v1/residents/{handle}/unverify": {
        "post": {
            "summary": "Withdraw a resident's verification (moderators of their quarter, admins)",
            "parameters": [
                {"name": "handle", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["reason"],
                            "properties": {"reason": {"type": "string"}},
                        }
                    }
                },
            },
            "responses": {
                "200": {"description": "The resident, no longer verified"},
                "403": {"description": "Not a moderator of their quarter", **_ERR},
                "404": {"description": "Unknown", **_ERR},
                "409": {"description": "Not verified", **_ERR},
                "422": {"description": "No reason", **_ERR},
            },
        }
    },
    "/api/v1/residents/{handle}": {
        "get": {
            "summary": "A resident's public profile and where they are verified (no token needed)",
            "security": [],
            "parameters": [
                {"name": "handle", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": {
                    "description": "The profile",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Resident"}}
                    },
                },
                "404": {"description": "Unknown", **_ERR},
            },
        }
    },
}
