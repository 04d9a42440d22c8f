"""JSON API for private messages, conversations, reports and blocks."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.activitypub import actors, outbox
from node.activitypub.webfinger import WebfingerError
from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local import inputs, residents
from node.local.errors import Invalid, NotFound
from node.local.messages import conversations as messages
from node.local.models import Resident, utcnow
from node.local.moderation import actions as moderation
from node.local.tx import Tx
from node.web.guards import json_body, require_resident, require_verified


def _name(resident: Resident) -> str:
    return resident.handle.lstrip("@")


def _who(resident: Resident) -> dict[str, Any]:
    return {"username": _name(resident), "name": resident.name}


def message_json(message, usernames: dict[int, str]) -> dict[str, Any]:
    return {
        "id": message.id,
        "conversation_id": message.conversation_id,
        "sender": usernames.get(message.sender_id, ""),
        "text": message.text,
        "created_at": message.created_at.isoformat() + "Z",
        "read_at": message.read_at.isoformat() + "Z" if message.read_at else None,
    }


async def recipient(node, to: str) -> Resident:
    """A local username, or `@name@host` of a remote person (resolved through WebFinger)."""
    try:
        return await node.db.run(residents.known, to)
    except NotFound:
        if "@" not in to.strip().lstrip("@"):
            raise
    try:
        uri = await outbox.resolve(node, "@" + to.strip().lstrip("@"))
        remote = await actors.fetch_actor(node, uri)
    except (actors.FetchFailed, WebfingerError, ValueError):
        raise NotFound(_("No such resident.")) from None
    if remote.type != "Person":
        raise NotFound(_("No such resident."))
    return await node.db.atomic(actors.remote_resident, remote)


async def send(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_verified(request)
    body = await json_body(request)
    if not isinstance(body.get("to"), str) or not body["to"].strip():
        raise Invalid(_("Say who the message is for."), {"to": "required"})
    to = await recipient(node, body["to"])

    def listing_id(name: str) -> int | None:
        value = body.get(name)
        return inputs.id_or_none(value) if isinstance(value, int) else None

    message = await commit(
        node,
        messages.send,
        me.id,
        to.id,
        str(body.get("text") or ""),
        listing_id("listing"),
        listing_id("loan"),
        actor_id=me.id,
    )
    return web.json_response(message_json(message, {me.id: _name(me)}), status=201)


def _summaries(me: Resident) -> list[dict[str, Any]]:
    result = []
    for s in messages.conversations(me.id):
        other = _who(s.other)
        result.append(
            {
                "id": s.conversation.id,
                "other": other,
                "listing_id": s.conversation.listing_id,
                "loan_id": s.conversation.loan_id,
                "updated_at": s.conversation.updated_at.isoformat() + "Z",
                "unread_count": s.unread,
                "last_message": {
                    "id": s.last.id,
                    "sender": _name(me) if s.last.sender_id == me.id else other["username"],
                    "text": s.last.text,
                    "created_at": s.last.created_at.isoformat() + "Z",
                }
                if s.last
                else None,
            }
        )
    return result


async def conversations(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_resident(request)
    return web.json_response(await node.db.run(_summaries, me))


def _conversation(conversation_id: int, viewer: Resident) -> dict[str, Any]:
    conversation = messages.get_conversation(conversation_id, viewer.id)
    other = messages.other_party(conversation, viewer.id)
    rows = messages.read(Tx(now=utcnow()), conversation.id, viewer.id)
    usernames = {viewer.id: _name(viewer), other.id: _name(other)}
    return {
        "id": conversation.id,
        "other": _who(other),
        "listing_id": conversation.listing_id,
        "loan_id": conversation.loan_id,
        "messages": [message_json(m, usernames) for m in rows],
    }


async def conversation(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_resident(request)
    try:
        conversation_id = int(request.match_info["id"])
    except ValueError:
        raise NotFound(_("No such conversation.")) from None
    data = await node.db.atomic(_conversation, conversation_id, me)
    return web.json_response(data)


async def report(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_resident(request)
    body = await json_body(request)
    target_id = body.get("target_id")
    if not isinstance(target_id, int) or isinstance(target_id, bool):
        raise Invalid(_("target_id must be a number."), {"target_id": "required"})
    target_id = inputs.record_id(target_id, _("No such item."))
    row = await commit(
        node,
        moderation.report,
        me.id,
        str(body.get("target_type") or ""),
        target_id,
        str(body.get("reason") or ""),
        actor_id=me.id,
    )
    return web.json_response(
        {
            "id": row.id,
            "target_type": row.target_type,
            "target_id": row.target_id,
            "state": row.state,
        },
        status=201,
    )


async def block(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_resident(request)
    body = await json_body(request)
    other = await node.db.run(residents.known, str(body.get("username") or ""))
    if body.get("blocked") is False:
        await commit(node, moderation.unblock, me.id, other.id, actor_id=me.id)
        return web.json_response({"username": body["username"], "blocked": False})
    await commit(node, moderation.block, me.id, other.id, actor_id=me.id)
    return web.json_response({"username": body["username"], "blocked": True}, status=201)


ROUTES = [
    ("POST", "/api/v1/messages", send, "api_messages_send"),
    ("GET", "/api/v1/conversations", conversations, "api_conversations"),
    ("GET", r"/api/v1/conversations/{id:\d+}", conversation, "api_conversation"),
    ("POST", "/api/v1/reports", report, "api_reports"),
    ("POST", "/api/v1/blocks", block, "api_blocks"),
]

_ERR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]


def _body(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "object", "required": required, "properties": properties}
    return {"content": {"application/json": {"schema": schema}}}


OPENAPI = {
    "/api/v1/messages": {
        "post": {
            "summary": "Send a private message",
            "requestBody": _body(
                ["to", "text"],
                {
                    "to": {
                        "type": "string",
                        "description": "a username, or @name@host on another node",
                    },
                    "text": {"type": "string"},
                    "listing": {"type": "integer"},
                    "loan": {"type": "integer"},
                },
            ),
            "responses": {
                "201": {"description": "The message"},
                "403": {"description": "Blocked or suspended", **_ERR},
                "404": {"description": "Unknown resident", **_ERR},
            },
        }
    },
    "/api/v1/conversations": {
        "get": {
            "summary": "My conversations: other party, last message, unread count",
            "responses": {"200": {"description": "An array of conversations"}},
        }
    },
    "/api/v1/conversations/{id}": {
        "get": {
            "summary": "The messages of one of my conversations (marks them read)",
            "parameters": _ID,
            "responses": {
                "200": {"description": "The conversation"},
                "404": {"description": "Not mine", **_ERR},
            },
        }
    },
    "/api/v1/reports": {
        "post": {
            "summary": "Report something to the quarter's moderators",
            "requestBody": _body(
                ["target_type", "target_id", "reason"],
                {
                    "target_type": {"type": "string", "enum": list(moderation.TARGETS)},
                    "target_id": {"type": "integer"},
                    "reason": {"type": "string"},
                },
            ),
            "responses": {
                "201": {"description": "The report"},
                "422": {"description": "Invalid", **_ERR},
            },
        }
    },
    "/api/v1/blocks": {
        "post": {
            "summary": "Block (or with blocked=false unblock) a neighbour",
            "requestBody": _body(
                ["username"], {"username": {"type": "string"}, "blocked": {"type": "boolean"}}
            ),
            "responses": {"201": {"description": "Blocked"}, "200": {"description": "Unblocked"}},
        }
    },
}
