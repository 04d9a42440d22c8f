"""JSON API of notifications (newest first, in the reader's language) and their one-tap actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from node.appkeys import node_key
from node.commit import commit
from node.i18n import _, current
from node.local import inputs
from node.local.notifications import read as notifications
from node.local.notifications.models import Notification
from node.local.shelves import matching
from node.urls import Urls
from node.web.api.common import page_response, paging
from node.web.guards import json_body, require_resident, require_verified


def _iso(value) -> str | None:
    return value.isoformat() + "Z" if value else None


def _shelf_actions(owner_id: int, notes: list[Notification], urls: Urls) -> dict[int, list]:
    found = matching.matches_for_notifications(owner_id, [n.id for n in notes])
    return {
        note_id: [
            {
                "name": "i_have_one",
                "label": _("I have one"),
                "method": "POST",
                "url": f"{urls.base}/api/v1/shelf/matches/{match.id}/answer",
                "done": match.answered_at is not None,
            }
        ]
        for note_id, match in found.items()
    }


# kind → (resident id, that kind's notifications, urls) → {notification id: actions};
# other kinds add their own entry here (a kind without one has no actions).
ACTIONS: dict[str, Callable[[int, list[Notification], Urls], dict[int, list]]] = {
    matching.KIND: _shelf_actions,
}


def actions_for(resident_id: int, notes: list[Notification], urls: Urls) -> dict[int, list]:
    actions: dict[int, list] = {}
    for kind, build in ACTIONS.items():
        of_kind = [n for n in notes if n.kind == kind]
        if of_kind:
            actions.update(build(resident_id, of_kind, urls))
    return actions


def notification_json(note: Notification, language: str, actions: list) -> dict[str, Any]:
    return {
        "id": note.id,
        "kind": note.kind,
        "text": notifications.render(note, language),
        "url": note.url,
        "created_at": _iso(note.created_at),
        "read": note.read_at is not None,
        "actions": actions,
    }


async def index(request: web.Request) -> web.Response:
    me = require_resident(request)
    node = request.app[node_key]
    limit, before = paging(request)
    language = current()

    def read() -> list[dict[str, Any]]:
        notes = notifications.page(me.id, limit, before)
        actions = actions_for(me.id, notes, node.urls)
        return [notification_json(n, language, actions.get(n.id, [])) for n in notes]

    return page_response(request, await node.db.run(read), limit)


async def mark_read(request: web.Request) -> web.Response:
    me = require_resident(request)
    node = request.app[node_key]
    note_id = inputs.record_id(request.match_info["id"], _("No such notification."))
    note = await commit(node, notifications.read_one, me.id, note_id, actor_id=me.id)
    actions = await node.db.run(actions_for, me.id, [note], node.urls)
    return web.json_response(notification_json(note, current(), actions.get(note.id, [])))


async def answer_match(request: web.Request) -> web.Response:
    """ "I have one": a message to the requester (optional {"text": ...}); its conversation."""
    me = require_verified(request)
    node = request.app[node_key]
    match_id = inputs.record_id(request.match_info["id"], _("No such match."))
    text = ""
    if request.can_read_body:
        body = await json_body(request)
        raw = body.get("text", "")
        if not isinstance(raw, str):
            raise web.HTTPBadRequest(text=_("text must be a string."))
        text = raw
    conversation_id = await commit(node, matching.answer, me.id, match_id, text, actor_id=me.id)
    return web.json_response(
        {
            "conversation_id": conversation_id,
            "url": f"{node.urls.base}/messages/{conversation_id}",
        }
    )


ROUTES = [
    ("GET", "/api/v1/notifications", index, "api_notifications"),
    ("POST", "/api/v1/notifications/{id}/read", mark_read, "api_notification_read"),
    ("POST", "/api/v1/shelf/matches/{id}/answer", answer_match, "api_shelf_answer"),
]

_ERR = {
    "description": "Error",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]


def _ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


OPENAPI = {
    "/api/v1/notifications": {
        "get": {
            "summary": "My notifications, newest first, in my language (session or bearer)",
            "parameters": [
                {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                {"name": "before", "in": "query", "schema": {"type": "integer"}},
            ],
            "responses": {
                "200": _ok(
                    "A page of notifications; next page in the Link header",
                    {"type": "array", "items": {"$ref": "#/components/schemas/Notification"}},
                ),
                "401": _ERR,
                "422": _ERR,
            },
        }
    },
    "/api/v1/notifications/{id}/read": {
        "post": {
            "summary": "Mark one of my notifications read (anyone else's: 404)",
            "parameters": _ID,
            "responses": {
                "200": _ok("The notification", {"$ref": "#/components/schemas/Notification"}),
                "401": _ERR,
                "404": _ERR,
            },
        }
    },
    "/api/v1/shelf/matches/{id}/answer": {
        "post": {
            "summary": "“I have one”: answer a request that matched my shelf with a message "
            "to the requester (who learns only now who has one)",
            "parameters": _ID,
            "requestBody": {
                "required": False,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {"text": {"type": "string", "maxLength": 5000}},
                        }
                    }
                },
            },
            "responses": {
                "200": _ok(
                    "The conversation with the requester",
                    {
                        "type": "object",
                        "properties": {
                            "conversation_id": {"type": "integer"},
                            "url": {"type": "string"},
                        },
                    },
                ),
                "401": _ERR,
                "403": _ERR,
                "404": _ERR,
                "409": _ERR,
            },
        }
    },
}

SCHEMAS = {
    "Notification": {
        "type": "object",
        "required": ["id", "kind", "text", "url", "created_at", "read"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string", "description": "shelf_match, message, loan, …"},
            "text": {"type": "string", "description": "in the reader's language"},
            "url": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "read": {"type": "boolean"},
            "actions": {
                "type": "array",
                "description": "one-tap answers (shelf_match: i_have_one)",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "label": {"type": "string"},
                        "method": {"type": "string"},
                        "url": {"type": "string"},
                        "done": {"type": "boolean"},
                    },
                },
            },
        },
    }
}
