"""JSON API of loans: ask to borrow, then every step until the object is back."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local.errors import Invalid, NotFound
from node.local.loans import read as loan_reads
from node.local.loans import write as loans
from node.local.loans.models import Loan
from node.local.models import Resident, utcnow
from node.local.text import web_url
from node.urls import Urls
from node.web.api.common import page_response, paging
from node.web.api.listings import person_json
from node.web.guards import json_body, require_resident, require_verified


def loan_json(loan: Loan, urls: Urls, step_list=None, extension=None) -> dict[str, Any]:
    """The stable JSON shape of a loan (listing, lender and borrower joined)."""
    data = {
        "id": loan.id,
        "url": urls.loan(loan.id),
        "state": loan.state,
        "from": loan.start.isoformat(),
        "until": loan.until.isoformat(),
        "message": loan.message,
        "listing": {
            "id": loan.listing.id,
            "title": loan.listing.title,
            "url": web_url(loan.listing.url) or urls.listing(loan.listing.id),
        },
        "lender": person_json(loan.lender),
        "borrower": person_json(loan.borrower),
        "lender_thanked": loan.lender_thanked,
        "borrower_thanked": loan.borrower_thanked,
        "created_at": loan.created_at.isoformat() + "Z",
    }
    if step_list is not None:
        data["history"] = [
            {
                "step": step.step,
                "actor": step.actor.username if isinstance(step.actor, Resident) else None,
                "note": step.note,
                "at": step.at.isoformat() + "Z",
            }
            for step in step_list
        ]
        data["extension"] = (
            {"until": extension.until.isoformat(), "state": extension.state} if extension else None
        )
    return data


def _id(request: web.Request) -> int:
    try:
        return int(request.match_info["id"])
    except ValueError:
        raise NotFound(_("No such loan.")) from None


def full(loan_id: int, viewer_id: int) -> tuple[Loan, list, Any]:
    """A loan with its history, for one of its two parties (others get 404)."""
    loan = loan_reads.get(loan_id)
    if viewer_id not in (loan.lender_id, loan.borrower_id):
        raise NotFound(_("No such loan."))
    return loan, loan_reads.steps(loan_id), loan_reads.pending_extension(loan_id)


async def _answer(request: web.Request, loan_id: int, status: int = 200) -> web.Response:
    me = require_resident(request)
    node = request.app[node_key]
    loan, step_list, extension = await node.db.run(full, loan_id, me.id)
    return web.json_response(loan_json(loan, node.urls, step_list, extension), status=status)


async def ask(request: web.Request) -> web.Response:
    me = require_verified(request)
    node = request.app[node_key]
    try:
        listing_id = int(request.match_info["id"])
    except ValueError:
        raise NotFound(_("No such listing.")) from None
    draft = loans.LoanDraft.parse(await json_body(request), today=utcnow().date())
    loan = await commit(node, loans.request, me.id, listing_id, draft, actor_id=me.id)
    return await _answer(request, loan.id, status=201)


async def read(request: web.Request) -> web.Response:
    return await _answer(request, _id(request))


def _action(fn, with_body=None):
    async def handler(request: web.Request) -> web.Response:
        me = require_resident(request)
        node = request.app[node_key]
        extra = []
        if with_body is not None:
            extra = [with_body(await json_body(request))]
        await commit(node, fn, me.id, _id(request), *extra, actor_id=me.id)
        return await _answer(request, _id(request))

    handler.__name__ = fn.__name__
    return handler


def _until(data: dict[str, Any]):
    return loans.parse_until(data.get("until"))


def _thanks(data: dict[str, Any]) -> str:
    message = data.get("message") or ""
    if not isinstance(message, str):
        raise Invalid(_("Expected text."), {"message": _("Expected text.")})
    return message


async def thank(request: web.Request) -> web.Response:
    me = require_resident(request)
    node = request.app[node_key]
    data = await json_body(request) if request.can_read_body else {}
    await commit(node, loans.thank, me.id, _id(request), _thanks(data), actor_id=me.id)
    return await _answer(request, _id(request))


async def extension_accept(request: web.Request) -> web.Response:
    me = require_resident(request)
    node = request.app[node_key]
    await commit(node, loans.answer_extension, me.id, _id(request), True, actor_id=me.id)
    return await _answer(request, _id(request))


async def extension_decline(request: web.Request) -> web.Response:
    me = require_resident(request)
    node = request.app[node_key]
    await commit(node, loans.answer_extension, me.id, _id(request), False, actor_id=me.id)
    return await _answer(request, _id(request))


async def index(request: web.Request) -> web.Response:
    me = require_resident(request)
    node = request.app[node_key]
    limit, before = paging(request)
    role = request.query.get("role") or None
    if role not in (None, "lender", "borrower"):
        message = _("Choose one of: %(choices)s.", choices="lender, borrower")
        raise Invalid(message, {"role": message})
    rows = await node.db.run(loan_reads.of_resident, me.id, role, limit, before)
    return page_response(request, [loan_json(row, node.urls) for row in rows], limit)


ACTIONS = {
    "accept": _action(loans.accept),
    "decline": _action(loans.decline),
    "handover": _action(loans.hand_over),
    "return": _action(loans.give_back),
    "cancel": _action(loans.cancel),
    "extend": _action(loans.ask_extension, _until),
}

ROUTES = [
    ("POST", "/api/v1/listings/{id}/loans", ask, "api_loan_ask"),
    ("GET", "/api/v1/loans", index, "api_loans"),
    ("GET", "/api/v1/loans/{id}", read, "api_loan"),
    *[
        ("POST", f"/api/v1/loans/{{id}}/{name}", handler, f"api_loan_{name}")
        for name, handler in ACTIONS.items()
    ],
    ("POST", "/api/v1/loans/{id}/extend/accept", extension_accept, "api_loan_extend_accept"),
    ("POST", "/api/v1/loans/{id}/extend/decline", extension_decline, "api_loan_extend_decline"),
    ("POST", "/api/v1/loans/{id}/thank", thank, "api_loan_thank"),
]

_ERR = {
    "description": "Error",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
_LOAN = {"$ref": "#/components/schemas/Loan"}
_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_OK = {"description": "The loan", "content": {"application/json": {"schema": _LOAN}}}
_MOVES = {
    "accept": ("Accept a request (lender)", None),
    "decline": ("Decline a request (lender)", None),
    "handover": ("Confirm the handover (lender or borrower)", None),
    "return": ("Confirm the object is back (lender)", None),
    "cancel": ("Cancel a request (borrower) or an accepted loan (either)", None),
    "extend": ("Ask to keep the object longer (borrower)", ["until"]),
    "extend/accept": ("Agree to the asked extension (lender)", None),
    "extend/decline": ("Refuse the asked extension (lender)", None),
    "thank": ("Thank the other side after the return (once each)", []),
}


def _move_doc(summary: str, fields: list[str] | None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "summary": summary,
        "parameters": _ID,
        "responses": {"200": _OK, "403": _ERR, "404": _ERR, "409": _ERR, "422": _ERR},
    }
    if fields is not None:
        props = {"until": {"type": "string", "format": "date"}, "message": {"type": "string"}}
        doc["requestBody"] = {
            "required": bool(fields),
            "content": {
                "application/json": {
                    "schema": {"type": "object", "required": fields, "properties": props}
                }
            },
        }
    return doc


OPENAPI = {
    "/api/v1/listings/{id}/loans": {
        "post": {
            "summary": "Ask to borrow the object of a loan offer",
            "parameters": _ID,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["from", "until"],
                            "properties": {
                                "from": {"type": "string", "format": "date"},
                                "until": {"type": "string", "format": "date"},
                                "message": {"type": "string"},
                            },
                        }
                    }
                },
            },
            "responses": {
                "201": _OK,
                "401": _ERR,
                "403": _ERR,
                "404": _ERR,
                "409": _ERR,
                "422": _ERR,
            },
        }
    },
    "/api/v1/loans": {
        "get": {
            "summary": "My loans, as lender and as borrower (newest first)",
            "parameters": [
                {
                    "name": "role",
                    "in": "query",
                    "schema": {"type": "string", "enum": ["lender", "borrower"]},
                },
                {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                {"name": "before", "in": "query", "schema": {"type": "integer"}},
            ],
            "responses": {
                "200": {
                    "description": "A page of loans; next page in the Link header",
                    "content": {"application/json": {"schema": {"type": "array", "items": _LOAN}}},
                },
                "401": _ERR,
            },
        }
    },
    "/api/v1/loans/{id}": {
        "get": {
            "summary": "One of my loans, with its history",
            "parameters": _ID,
            "responses": {"200": _OK, "404": _ERR},
        }
    },
    **{f"/api/v1/loans/{{id}}/{name}": {"post": _move_doc(*doc)} for name, doc in _MOVES.items()},
}

SCHEMAS = {
    "Loan": {
        "type": "object",
        "required": ["id", "state", "from", "until", "listing", "lender", "borrower"],
        "properties": {
            "id": {"type": "integer"},
            "url": {"type": "string"},
            "state": {
                "type": "string",
                "enum": [
                    "requested",
                    "accepted",
                    "declined",
                    "handed_over",
                    "returned",
                    "cancelled",
                ],
            },
            "from": {"type": "string", "format": "date"},
            "until": {"type": "string", "format": "date"},
            "message": {"type": "string"},
            "listing": {"type": "object"},
            "lender": {"type": "object"},
            "borrower": {"type": "object"},
            "history": {"type": "array", "items": {"type": "object"}},
            "extension": {"type": "object", "nullable": True},
        },
    }
}
