"""JSON API of listings: publish, read, edit, withdraw, search."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from aiohttp import web

from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local import reach, search_query
from node.local.errors import Invalid, NotFound
from node.local.listings import categories, search
from node.local.listings import drafts as listing_drafts
from node.local.listings import read as listing_reads
from node.local.listings import write as listings
from node.local.listings.models import LISTING_KINDS, LISTING_TYPES, Listing
from node.local.models import Quarter, Resident
from node.local.text import web_url
from node.urls import Urls
from node.web.api.common import page_response, paging
from node.web.guards import current, json_body, require_resident, require_verified


def person_json(resident: Resident) -> dict[str, Any]:
    return {
        "username": resident.username,
        "display_name": resident.name,
        "handle": resident.handle,
    }


def _iso(value) -> str | None:
    return value.isoformat() + ("Z" if value.tzinfo is None else "") if value else None


def listing_json(listing: Listing, urls: Urls, viewer: Resident | None = None) -> dict[str, Any]:
    """The stable JSON shape of a listing (author and quarter joined, photo_list attached);
    with `viewer`, also its distance in metres from that resident (null when unknown)."""
    author = listing.author if isinstance(listing.author, Resident) else None
    quarter = listing.quarter if isinstance(listing.quarter, Quarter) else None
    photos = getattr(listing, "photo_list", [])
    return {
        "id": listing.id,
        "url": web_url(listing.url) or urls.listing(listing.id),
        "kind": listing.kind,
        "type": listing.type,
        "title": listing.title,
        "description": listing.description,
        "description_html": listing.description_html,
        "category": listing.category,
        "price": format(Decimal(listing.price), ".2f") if listing.price is not None else None,
        "currency": listing.currency,
        "price_unit": listing.price_unit or None,
        "availability": listing.availability,
        "language": listing.language,
        "reach": listing.reach,
        "state": listing.state,
        "shelf": listing.shelf,
        "author": person_json(author) if author else None,
        "quarter": quarter.slug if quarter is not None else None,
        "created_at": _iso(listing.created_at),
        "updated_at": _iso(listing.updated_at),
        "expires_at": _iso(listing.expires_at),
        "photos": [
            {
                "url": urls.media(f"listings/{photo.name}")
                if photo.name
                else web_url(photo.remote_url),
                "thumb": urls.media(f"listings/{photo.thumb}") if photo.thumb else photo.remote_url,
                "alt": photo.alt,
            }
            for photo in photos
        ],
        "origin": listing.origin or "local",
        "ap_id": listing.external_ref,
        "lat": listing.lat,
        "lon": listing.lon,
        "version": listing.version,
    } | ({"distance_m": reach.distance(viewer, listing)} if viewer is not None else {})


def _id(request: web.Request) -> int:
    try:
        return int(request.match_info["id"])
    except ValueError:
        raise NotFound(_("No such listing.")) from None


def _visible(listing_id: int, viewer: Resident | None) -> Listing:
    listing = listing_reads.get(listing_id)
    if not listing_reads.can_see(listing, viewer):
        raise NotFound(_("No such listing."))
    return listing


async def create(request: web.Request) -> web.Response:
    me = require_verified(request)
    node = request.app[node_key]
    draft = listing_drafts.ListingDraft.parse(await json_body(request))
    listing = await commit(node, listings.publish, me.id, draft, actor_id=me.id)
    full = await node.db.run(listing_reads.get, listing.id)
    return web.json_response(listing_json(full, node.urls, me), status=201)


def etag(listing: Listing) -> str:
    """A strong validator of the listing's editable state: its version (RFC 9110 §8.8.3)."""
    return f'"{listing.version}"'


ETAG = re.compile(r'(W/)?"(\d{1,9})"')


def if_match(request: web.Request) -> tuple[int, ...] | None:
    """The versions an If-Match header allows (None: no header, or `*`). Weak tags and
    anything unreadable match nothing (strong comparison), so the edit is refused with 412."""
    value = request.headers.get("If-Match")
    if value is None or value.strip() == "*":
        return None
    return tuple(int(m.group(2)) for m in ETAG.finditer(value) if not m.group(1))


def _with_etag(response: web.Response, listing: Listing) -> web.Response:
    response.headers["ETag"] = etag(listing)
    return response


async def read(request: web.Request) -> web.Response:
    node = request.app[node_key]
    viewer = current(request)
    listing = await node.db.run(_visible, _id(request), viewer)
    return _with_etag(web.json_response(listing_json(listing, node.urls, viewer)), listing)


async def update(request: web.Request) -> web.Response:
    """A partial edit: only the given fields are written; with If-Match, only over that version."""
    me = require_resident(request)
    node = request.app[node_key]
    changes = listing_drafts.ListingDraft.parse_changes(await json_body(request))
    expected = if_match(request)
    await commit(node, listings.edit, me.id, _id(request), changes, expected, actor_id=me.id)
    full = await node.db.run(listing_reads.get, _id(request))
    return _with_etag(web.json_response(listing_json(full, node.urls, me)), full)


async def withdraw(request: web.Request) -> web.Response:
    me = require_resident(request)
    node = request.app[node_key]
    expected = if_match(request)
    await commit(node, listings.withdraw, me.id, _id(request), expected, actor_id=me.id)
    full = await node.db.run(listing_reads.get, _id(request))
    return _with_etag(web.json_response(listing_json(full, node.urls, me)), full)


def filters(query: Any) -> dict[str, Any]:
    """kind/type/category from a query string; unknown values are refused, not ignored."""
    values = {}
    for name, choices in (("kind", LISTING_KINDS), ("type", LISTING_TYPES)):
        value = query.get(name) or None
        if value is not None and value not in choices:
            message = _("Choose one of: %(choices)s.", choices=", ".join(choices))
            raise Invalid(message, {name: message})
        values[name] = value
    values["category"] = query.get("category") or None
    return values


async def index(request: web.Request) -> web.Response:
    me = require_resident(request)
    node = request.app[node_key]
    limit, before = paging(request)
    scope = reach.parse_scope(request.query.get("scope"))
    languages = reach.parse_languages(me.languages_seen)
    chosen = filters(request.query)
    circle = search_query.parse_near(request.query.get("near"), request.query.get("radius"))
    q = request.query.get("q", "")

    def find() -> list[Listing]:
        # my quarter's, the adjacent quarters', its twins' and public remote ones
        # (scope=quarter|nearby|twins|all); near=LAT,LON&radius=METRES: within that circle
        where = reach.readable(Listing, me)
        if me.quarter_id:
            where = where & reach.visible(Listing, me.quarter_id, scope, languages)
        if circle is not None:
            where = where & search_query.within(Listing, circle)
        index = search_query.label_index(categories.raw_choices())
        labels = {w: search_query.categories_named(w, index) for w in search.terms(q)}
        also = search_query.same_object(q)
        return search.search_listings(
            q, limit=limit, before=before, where=where, labels=labels, also=also, **chosen
        )

    rows = await node.db.run(find)
    return page_response(request, [listing_json(row, node.urls, me) for row in rows], limit)


ROUTES = [
    ("GET", "/api/v1/listings", index, "api_listings"),
    ("POST", "/api/v1/listings", create, "api_listing_create"),
    ("GET", "/api/v1/listings/{id}", read, "api_listing"),
    ("PATCH", "/api/v1/listings/{id}", update, "api_listing_update"),
    ("DELETE", "/api/v1/listings/{id}", withdraw, "api_listing_withdraw"),
]

_ERR = {
    "description": "Error",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
_LISTING = {"$ref": "#/components/schemas/Listing"}
_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_IF_MATCH = [
    {
        "name": "If-Match",
        "in": "header",
        "required": False,
        "description": "the ETag read with GET; 412 when the listing changed meanwhile",
        "schema": {"type": "string"},
    }
]
_BODY = {
    "type": "object",
    "properties": {
        "kind": {"type": "string", "enum": list(LISTING_KINDS)},
        "type": {"type": "string", "enum": list(LISTING_TYPES)},
        "title": {"type": "string", "maxLength": 200},
        "description": {"type": "string", "description": "Markdown"},
        "category": {"type": "string", "default": "other"},
        "price": {"type": "string", "description": "required for type paid"},
        "currency": {"type": "string", "default": "EUR"},
        "price_unit": {"type": "string", "enum": ["hour", "day", "once"]},
        "availability": {"type": "string"},
        "language": {"type": "string"},
        "reach": {"type": "string", "enum": ["quarter", "nearby", "twins", "public"]},
        "shelf": {"type": "boolean"},
    },
}


def _ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


OPENAPI = {
    "/api/v1/listings": {
        "get": {
            "summary": "Search the listings I may see (newest first). Words match the text or a "
            "category's label in any shipped language (Bricolage, Heimwerken → diy); an object "
            "named in one language is found in the others (Leiter → Échelle)",
            "parameters": [
                {"name": n, "in": "query", "schema": {"type": t}, "description": d}
                for n, t, d in (
                    ("q", "string", "words; each matches the text or a category label"),
                    ("kind", "string", "offer | request"),
                    ("type", "string", "service | gift | loan | paid"),
                    ("category", "string", "a category slug"),
                    (
                        "scope",
                        "string",
                        "quarter | nearby (and the adjacent quarters) | twins | all (default)",
                    ),
                    ("near", "string", "LAT,LON: only listings within radius of this point"),
                    ("radius", "number", "metres around near (default 1000, at most 100000)"),
                    ("limit", "integer", "1-100"),
                    ("before", "integer", "the id to page from (Link header)"),
                )
            ],
            "responses": {
                "200": _ok(
                    "A page of listings; next page in the Link header",
                    {"type": "array", "items": _LISTING},
                ),
                "400": _ERR,
                "401": _ERR,
                "422": _ERR,
            },
        },
        "post": {
            "summary": "Publish an offer or a request",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {**_BODY, "required": ["kind", "type", "title"]}}
                },
            },
            "responses": {
                "201": _ok("The listing", _LISTING),
                "401": _ERR,
                "403": _ERR,
                "422": _ERR,
            },
        },
    },
    "/api/v1/listings/{id}": {
        "get": {
            "summary": "One listing",
            "parameters": _ID,
            "responses": {
                "200": {
                    **_ok("The listing", _LISTING),
                    "headers": {
                        "ETag": {
                            "description": "the listing's version, for If-Match",
                            "schema": {"type": "string"},
                        }
                    },
                },
                "404": _ERR,
            },
        },
        "patch": {
            "summary": "Edit a listing (author), including state open|reserved|done; only the "
            "given fields are written; with If-Match, only if the listing is at that version",
            "parameters": _ID + _IF_MATCH,
            "requestBody": {
                "content": {
                    "application/json": {
                        "schema": {
                            **_BODY,
                            "properties": {
                                **_BODY["properties"],
                                "state": {"type": "string", "enum": ["open", "reserved", "done"]},
                            },
                        }
                    }
                }
            },
            "responses": {
                "200": _ok("The listing", _LISTING),
                "403": _ERR,
                "404": _ERR,
                "409": _ERR,
                "412": _ERR,
                "422": _ERR,
            },
        },
        "delete": {
            "summary": "Withdraw a listing (author); final: no later edit brings it back",
            "parameters": _ID + _IF_MATCH,
            "responses": {
                "200": _ok("The withdrawn listing", _LISTING),
                "403": _ERR,
                "404": _ERR,
                "409": _ERR,
                "412": _ERR,
            },
        },
    },
}

SCHEMAS = {
    "Listing": {
        "type": "object",
        "required": ["id", "url", "kind", "type", "title", "state", "origin"],
        "properties": {
            **_BODY["properties"],
            "id": {"type": "integer"},
            "url": {"type": "string"},
            "description_html": {"type": "string"},
            "state": {
                "type": "string",
                "enum": ["open", "reserved", "done", "withdrawn", "expired"],
            },
            "author": {"type": "object"},
            "quarter": {"type": "string", "nullable": True},
            "created_at": {"type": "string", "format": "date-time"},
            "photos": {"type": "array", "items": {"type": "object"}},
            "origin": {"type": "string"},
            "distance_m": {
                "type": "integer",
                "nullable": True,
                "description": "metres from the authenticated resident (null when unknown)",
            },
            "ap_id": {"type": "string", "nullable": True},
            "lat": {"type": "number", "nullable": True},
            "lon": {"type": "number", "nullable": True},
            "version": {"type": "integer", "description": "+1 on every change; the ETag"},
        },
    }
}
