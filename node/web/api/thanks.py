"""Thanks after help: POST /api/v1/thanks (JSON) and POST /thanks (the pages' form)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local import inputs, residents, thanks
from node.local.errors import Invalid
from node.web.guards import json_body, require_verified
from node.web.nexturl import safe_next
from node.web.render import redirect

SUBJECTS = ("listing", "event")


def _subject(value: Any) -> str:
    if value not in SUBJECTS:
        raise Invalid(_("Thank for a listing or an event."), {"subject": "choice"})
    return value


def _to(value: Any) -> int | None:
    """Whom a listing's author thanks (the others thank the author): a local username, or
    `@name@host` of a person of another node known here (they wrote to each other)."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise Invalid(_("Say whom you thank."), {"to": "type"})
    return residents.known(value).id


def thanks_json(row: thanks.Thanks) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "subject": row.subject,
        "text": row.text,
        "created_at": row.created_at.isoformat() + "Z",
    }


async def create(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_verified(request)
    data = await json_body(request)
    subject = _subject(data.get("subject"))
    item = inputs.bounded_int(str(data.get("id", "")), low=1, message=_("Unknown item."))
    text = data.get("text") or ""
    if not isinstance(text, str):
        raise Invalid(_("Write your thanks as text."), {"text": "type"})
    to = await node.db.run(_to, data.get("to"))
    row = await commit(node, thanks.thank, me.id, subject, item, text, to, actor_id=me.id)
    return web.json_response(thanks_json(row), status=201)


async def create_form(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_verified(request)
    form = await request.post()
    subject = _subject(form.get("subject"))
    item = inputs.bounded_int(str(form.get("id", "")), low=1, message=_("Unknown item."))
    text = str(form.get("text") or "")
    await commit(node, thanks.thank, me.id, subject, item, text, None, actor_id=me.id)
    raise redirect(safe_next(str(form.get("next") or "/")), _("Your thanks are sent."))


ROUTES = [
    ("POST", "/api/v1/thanks", create, "api_thanks"),
    ("POST", "/thanks", create_form, "thanks"),
]

_ERR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

OPENAPI = {
    "/api/v1/thanks": {
        "post": {
            "summary": "Thank someone for a service, a gift (subject listing) or an event; loans "
            "are thanked at /api/v1/loans/{id}/thank. Thanks to a person of another node "
            "travel to their node.",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["subject", "id"],
                            "properties": {
                                "subject": {"type": "string", "enum": list(SUBJECTS)},
                                "id": {"type": "integer"},
                                "to": {
                                    "type": "string",
                                    "description": "the author of a listing names whom they thank: "
                                    "a username, or @name@host of another node",
                                },
                                "text": {"type": "string", "maxLength": thanks.MAX_TEXT},
                            },
                        }
                    }
                },
            },
            "responses": {
                "201": {"description": "The thanks"},
                "403": {"description": "No help to thank for (yet)", **_ERR},
                "409": {"description": "Already thanked, or too early", **_ERR},
                "422": {"description": "Invalid", **_ERR},
            },
        }
    }
}
