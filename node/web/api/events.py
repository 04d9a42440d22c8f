"""JSON API for events: schedule, list upcoming, read with participants, RSVP, cancel."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local import reach, search_query
from node.local.errors import NotFound
from node.local.events import drafts as event_drafts
from node.local.events import write as events
from node.local.events.models import Event
from node.local.models import Organisation, Resident, utcnow
from node.local.text import web_url
from node.web.api.common import page_response, paging
from node.web.guards import current, json_body, require_resident, require_verified


def _utc(value: dt.datetime) -> str:
    return value.isoformat() + "Z"


def _local(value: dt.datetime, tz: str) -> str:
    return value.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(tz)).isoformat()


def event_json(
    event: Event, urls, organiser: Resident | None = None, viewer: Resident | None = None
) -> dict[str, Any]:
    """The stable JSON of an event; with `viewer`, its distance in metres (null when unknown)."""
    extra = {"distance_m": reach.distance(viewer, event)} if viewer is not None else {}
    return extra | {
        "id": event.id,
        "url": web_url(event.url) or urls.event(event.id),
        "title": event.title,
        "description": event.description,
        "description_html": event.description_html,
        "start": _local(event.starts_at, event.timezone),
        "end": _local(event.ends_at, event.timezone),
        "starts_at": _utc(event.starts_at),
        "ends_at": _utc(event.ends_at),
        "timezone": event.timezone,
        "place": event.place_name,
        "street": event.street,
        "postcode": event.postcode,
        "city": event.city,
        "country": event.country,
        "lat": event.lat,
        "lon": event.lon,
        "capacity": event.capacity,
        "join_mode": event.join_mode,
        "status": event.status,
        "category": event.category,
        "language": event.language,
        "reach": event.reach,
        "organiser": organiser.username if organiser else None,
        "organisation_id": event.organisation_id,
        "created_at": _utc(event.created_at),
        "origin": event.origin or "local",
        "ap_id": event.external_ref,
    }


def _person(rsvp) -> dict[str, Any]:
    return {"username": rsvp.resident.handle.lstrip("@"), "name": rsvp.resident.name}


def _event_id(request: web.Request) -> int:
    try:
        return int(request.match_info["id"])
    except ValueError:
        raise NotFound(_("No such event.")) from None


def _full(event_id: int, viewer) -> dict[str, Any]:
    event = events.get_event(event_id, viewer)
    organiser = Resident.get_by_id(event.organiser_id)
    going = events.participants(event.id)
    waiting = events.waiting_list(event.id)
    data = {
        "event": event,
        "organiser": organiser,
        "participants": [_person(r) for r in going],
        "waiting_list": [_person(r) for r in waiting],
        "pending": [_person(r) for r in events.pending(event.id)]
        if events.can_manage(viewer, event)
        else None,
    }
    if viewer is not None:
        data["my_status"], data["my_position"] = events.answer_of(event.id, viewer.id)
    return data


async def create(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_verified(request)
    body = await json_body(request)
    if "organisation" in body and body["organisation"] is not None:
        handle = str(body["organisation"])
        found = await node.db.run(lambda: Organisation.get_or_none(Organisation.handle == handle))
        body["organisation"] = str(found.id) if found else handle
    draft = event_drafts.EventDraft.parse(body, node.settings.default_reach)
    event = await commit(node, events.schedule, me.id, draft, actor_id=me.id)
    return web.json_response(event_json(event, node.urls, me, me), status=201)


async def index(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_resident(request)
    limit, before = paging(request)
    scope = reach.parse_scope(request.query.get("scope"))
    languages = reach.parse_languages(me.languages_seen)
    circle = search_query.parse_near(request.query.get("near"), request.query.get("radius"))

    def find() -> list[Event]:
        where = reach.visible(Event, me.quarter_id, scope, languages) if me.quarter_id else None
        if circle is not None:  # events whose venue lies in the circle
            inside = search_query.within(Event, circle)
            where = inside if where is None else where & inside
        return events.upcoming(me.quarter_id, utcnow(), limit, before, where, me)

    rows = await node.db.run(find)
    return page_response(request, [event_json(e, node.urls, viewer=me) for e in rows], limit)


async def show(request: web.Request) -> web.Response:
    node = request.app[node_key]
    viewer = current(request)
    data = await node.db.run(_full, _event_id(request), viewer)
    body = event_json(data.pop("event"), node.urls, data.pop("organiser"), viewer)
    if data["pending"] is None:
        data.pop("pending")
    body.update(data)
    body["participant_count"] = len(body["participants"])
    return web.json_response(body)


async def rsvp(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_verified(request)
    body = await json_body(request)
    event_id = _event_id(request)
    row = await commit(
        node, events.rsvp, me.id, event_id, str(body.get("status", "")), actor_id=me.id
    )
    status, position = await node.db.run(events.answer_of, event_id, me.id)
    return web.json_response({"event_id": event_id, "status": row.status, "position": position})


async def cancel(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_resident(request)
    event = await commit(node, events.cancel, me.id, _event_id(request), actor_id=me.id)
    return web.json_response(event_json(event, node.urls))


ROUTES = [
    ("POST", "/api/v1/events", create, "api_events_create"),
    ("GET", "/api/v1/events", index, "api_events"),
    ("GET", r"/api/v1/events/{id:\d+}", show, "api_event"),
    ("POST", r"/api/v1/events/{id:\d+}/rsvp", rsvp, "api_event_rsvp"),
    ("POST", r"/api/v1/events/{id:\d+}/cancel", cancel, "api_event_cancel"),
]

_ERR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_EVENT = {"type": "object", "required": ["id", "url", "title", "start", "end", "timezone"]}
_EVENT_IN = {
    "type": "object",
    "required": ["title", "start", "end"],
    "properties": {
        "title": {"type": "string"},
        "description": {"type": "string"},
        "start": {"type": "string", "description": "local ISO date-time"},
        "end": {"type": "string", "description": "local ISO date-time"},
        "timezone": {"type": "string", "description": "IANA zone, e.g. Europe/Paris"},
        "place": {"type": "string"},
        "street": {"type": "string"},
        "postcode": {"type": "string"},
        "city": {"type": "string"},
        "lat": {"type": "number"},
        "lon": {"type": "number"},
        "capacity": {"type": "integer", "minimum": 0},
        "join_mode": {"type": "string", "enum": list(event_drafts.JOIN_MODES)},
        "reach": {"type": "string", "enum": ["quarter", "nearby", "twins", "public"]},
        "category": {"type": "string", "enum": list(event_drafts.CATEGORIES)},
        "language": {"type": "string"},
        "organisation": {"type": "string", "description": "handle of an organisation you manage"},
    },
}
_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_PAGING = [
    {"name": "limit", "in": "query", "schema": {"type": "integer"}},
    {"name": "before", "in": "query", "schema": {"type": "integer"}},
]

OPENAPI = {
    "/api/v1/events": {
        "post": {
            "summary": "Schedule an event",
            "requestBody": {"content": {"application/json": {"schema": _EVENT_IN}}},
            "responses": {
                "201": {
                    "description": "The event",
                    "content": {"application/json": {"schema": _EVENT}},
                },
                "422": {"description": "Invalid fields", **_ERR},
            },
        },
        "get": {
            "summary": "Upcoming events I may see (scope=quarter|nearby|twins|all; "
            "near=LAT,LON&radius=METRES: venues in that circle)",
            "parameters": _PAGING
            + [
                {"name": "scope", "in": "query", "schema": {"type": "string"}},
                {"name": "near", "in": "query", "schema": {"type": "string"}},
                {"name": "radius", "in": "query", "schema": {"type": "number"}},
            ],
            "responses": {"200": {"description": "An array of events"}},
        },
    },
    "/api/v1/events/{id}": {
        "get": {
            "summary": "An event with its participants and waiting list",
            "parameters": _ID,
            "responses": {
                "200": {"description": "The event"},
                "404": {"description": "Unknown", **_ERR},
            },
        }
    },
    "/api/v1/events/{id}/rsvp": {
        "post": {
            "summary": "Answer going or not_going; returns the resulting status",
            "parameters": _ID,
            "requestBody": {
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["status"],
                            "properties": {
                                "status": {"type": "string", "enum": ["going", "not_going"]}
                            },
                        }
                    }
                }
            },
            "responses": {
                "200": {"description": "status: going, waiting, pending or not_going"},
                "409": {"description": "Cancelled or over", **_ERR},
            },
        }
    },
    "/api/v1/events/{id}/cancel": {
        "post": {
            "summary": "Cancel an event (organisers); participants are notified",
            "parameters": _ID,
            "responses": {
                "200": {"description": "The event"},
                "403": {"description": "Not an organiser", **_ERR},
            },
        }
    },
}
