"""JSON API across borders: twinning requests (/api/v1/twins), resolving remote things, languages."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node import following, lookup
from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local import reach, twins
from node.local.errors import Invalid, NotAllowed, NotFound
from node.local.models import Quarter
from node.web.guards import json_body, require_resident


def twin_json(twin: twins.Twin, quarter_slug: str) -> dict[str, Any]:
    return {
        "id": twin.id,
        "quarter": quarter_slug,
        "handle": twin.handle,
        "actor": twin.actor_uri,
        "name": twin.name,
        "host": twin.host,
        "country": twin.country,
        "state": twin.state,
        "direction": twin.direction,
        "created_at": twin.created_at.isoformat() + "Z",
        "decided_at": twin.decided_at.isoformat() + "Z" if twin.decided_at else None,
    }


def _json_of(twin_ids: list[int]) -> list[dict[str, Any]]:
    rows = list(
        twins.Twin.select().where(twins.Twin.id.in_(twin_ids)).order_by(twins.Twin.id.desc())
    )
    slugs = {
        q.id: q.slug for q in Quarter.select().where(Quarter.id.in_([t.quarter_id for t in rows]))
    }
    return [twin_json(t, slugs.get(t.quarter_id, "")) for t in rows]


def _twin_id(request: web.Request) -> int:
    try:
        return int(request.match_info["id"])
    except ValueError:
        raise NotFound(_("No such twinning request.")) from None


async def create_twin(request: web.Request) -> web.Response:
    me = require_resident(request)
    node = request.app[node_key]
    body = await json_body(request)
    slug, handle = str(body.get("quarter") or "").strip(), str(body.get("handle") or "").strip()
    if not slug or not handle.count("@") >= 1:
        raise Invalid(
            _("Give a local quarter and the other quarter's handle (@slug@host)."),
            {"quarter": "required", "handle": "required"},
        )
    if me.role not in ("moderator", "admin"):  # before any fetch on the resident's behalf
        raise NotAllowed(_("Only a moderator of this quarter can ask for twinning."))
    twin = await following.request_twin(node, me.id, slug, handle)
    [data] = await node.db.run(_json_of, [twin.id])
    return web.json_response(data, status=201)


async def list_twins(request: web.Request) -> web.Response:
    me = require_resident(request)
    node = request.app[node_key]
    data = await node.db.run(lambda: _json_of([t.id for t in twins.visible_to(me)]))
    return web.json_response(data)


def decision(accept: bool):
    async def handler(request: web.Request) -> web.Response:
        me = require_resident(request)
        node = request.app[node_key]
        twin = await commit(node, twins.decide, me.id, _twin_id(request), accept, actor_id=me.id)
        [data] = await node.db.run(_json_of, [twin.id])
        return web.json_response(data)

    return handler


async def end_twin(request: web.Request) -> web.Response:
    """A moderator of our quarter ends an accepted twinning; the twin's node is told (Undo Follow)."""
    me = require_resident(request)
    node = request.app[node_key]
    twin = await commit(node, twins.end, me.id, _twin_id(request), actor_id=me.id)
    [data] = await node.db.run(_json_of, [twin.id])
    return web.json_response(data)


# ---------------------------------------------------------------- resolve


async def resolve(request: web.Request) -> web.Response:
    """Fetch a remote listing, event or actor (URL or @name@host) and give its local id."""
    require_resident(request)
    uri = str((await json_body(request)).get("uri") or "").strip()
    if not uri:
        raise Invalid(_("Give a URL or an @name@host handle."), {"uri": "required"})
    return web.json_response(await lookup.resolve(request.app[node_key], uri))


# ---------------------------------------------------------------- languages


async def set_languages(request: web.Request) -> web.Response:
    """The languages a resident reads ("" = every language); feeds, lists and search follow it."""
    me = require_resident(request)
    node = request.app[node_key]
    languages = reach.parse_languages(str((await json_body(request)).get("languages") or ""))
    kept = await node.db.atomic(reach.set_languages, me.id, languages)
    return web.json_response({"languages": list(kept)})


ROUTES = [
    ("GET", "/api/v1/twins", list_twins, "api_twins"),
    ("POST", "/api/v1/twins", create_twin, "api_twin_create"),
    ("POST", "/api/v1/twins/{id}/accept", decision(True), "api_twin_accept"),
    ("POST", "/api/v1/twins/{id}/refuse", decision(False), "api_twin_refuse"),
    ("POST", "/api/v1/twins/{id}/end", end_twin, "api_twin_end"),
    ("POST", "/api/v1/resolve", resolve, "api_resolve"),
    ("PUT", "/api/v1/me/languages", set_languages, "api_languages"),
]

_ERR = {
    "description": "Error",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
_TWIN = {"$ref": "#/components/schemas/Twin"}
_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _decision(verb: str) -> dict[str, Any]:
    return {
        "post": {
            "summary": f"{verb} an incoming twinning request (a moderator of the asked quarter)",
            "security": [{"bearer": []}],
            "parameters": _ID,
            "responses": {
                "200": {"description": "The request, decided", **_json(_TWIN)},
                "403": _ERR,
                "404": _ERR,
                "409": _ERR,
            },
        }
    }


OPENAPI = {
    "/api/v1/twins": {
        "get": {
            "summary": "Twinning requests of my quarter (every quarter for admins)",
            "security": [{"bearer": []}],
            "responses": {
                "200": {
                    "description": "Twinning requests",
                    **_json({"type": "array", "items": _TWIN}),
                }
            },
        },
        "post": {
            "summary": "Ask a quarter of another node to twin with one of ours (moderators)",
            "security": [{"bearer": []}],
            "requestBody": _json(
                {
                    "type": "object",
                    "required": ["quarter", "handle"],
                    "properties": {
                        "quarter": {"type": "string", "description": "a local quarter's slug"},
                        "handle": {"type": "string", "description": "@slug@host"},
                    },
                }
            ),
            "responses": {
                "201": {"description": "The twinning request", **_json(_TWIN)},
                "403": _ERR,
                "409": _ERR,
                "422": _ERR,
            },
        },
    },
    "/api/v1/twins/{id}/accept": _decision("Accept"),
    "/api/v1/twins/{id}/refuse": _decision("Refuse"),
    "/api/v1/twins/{id}/end": {
        "post": {
            "summary": "End an accepted twinning (a moderator of our quarter); the twin is told",
            "security": [{"bearer": []}],
            "parameters": _ID,
            "responses": {
                "200": {"description": "The twinning, ended", **_json(_TWIN)},
                "403": _ERR,
                "404": _ERR,
                "409": _ERR,
            },
        }
    },
    "/api/v1/resolve": {
        "post": {
            "summary": "Fetch a remote listing, event or actor and give its local id",
            "security": [{"bearer": []}],
            "requestBody": _json(
                {
                    "type": "object",
                    "required": ["uri"],
                    "properties": {"uri": {"type": "string", "description": "a URL or @name@host"}},
                }
            ),
            "responses": {
                "200": {
                    "description": "What it is here",
                    **_json(
                        {
                            "type": "object",
                            "properties": {
                                "id": {"type": "integer"},
                                "type": {
                                    "type": "string",
                                    "enum": ["listing", "event", "resident", "quarter"],
                                },
                                "origin": {"type": "string"},
                                "ap_id": {"type": "string"},
                            },
                        }
                    ),
                },
                "404": _ERR,
                "422": _ERR,
            },
        }
    },
    "/api/v1/me/languages": {
        "put": {
            "summary": "Choose the languages I read (empty: every language)",
            "security": [{"bearer": []}],
            "requestBody": _json(
                {
                    "type": "object",
                    "properties": {"languages": {"type": "string", "example": "fr,de"}},
                }
            ),
            "responses": {"200": {"description": "The chosen languages"}, "422": _ERR},
        }
    },
}

SCHEMAS = {
    "Twin": {
        "type": "object",
        "required": ["id", "quarter", "handle", "state", "direction"],
        "properties": {
            "id": {"type": "integer"},
            "quarter": {"type": "string"},
            "handle": {"type": "string"},
            "actor": {"type": "string"},
            "name": {"type": "string"},
            "host": {"type": "string"},
            "country": {"type": "string"},
            "state": {"type": "string", "enum": list(twins.STATES)},
            "direction": {"type": "string", "enum": ["outgoing", "incoming"]},
            "created_at": {"type": "string", "format": "date-time"},
            "decided_at": {"type": "string", "format": "date-time", "nullable": True},
        },
    }
}
