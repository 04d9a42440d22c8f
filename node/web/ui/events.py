"""Event pages: upcoming events, the form, the detail page with RSVP, and iCalendar files."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local import comments, inputs, reach
from node.local.errors import Invalid, NotFound, Stale
from node.local.events import drafts as event_drafts
from node.local.events import write as events
from node.local.events.models import Event
from node.local.models import Organisation, OrganisationMember, Quarter, Resident, utcnow
from node.web import ical, labels
from node.web.guards import current, require_resident, require_verified
from node.web.render import redirect, render


def _event_id(request: web.Request) -> int:
    try:
        return int(request.match_info["id"])
    except ValueError:
        raise NotFound(_("No such event.")) from None


def _my_organisations(resident_id: int) -> list[tuple[str, str]]:
    return [
        (str(o.id), o.name)
        for o in Organisation.select()
        .join(OrganisationMember)
        .where(OrganisationMember.resident == resident_id)
        .order_by(Organisation.name)
    ]


def category_labels() -> list[tuple[str, str]]:
    return labels.event_category_options()


async def index(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = current(request)
    quarter_id = me.quarter_id if me else None

    def find() -> list[Event]:
        # the quarter's own events and those its twins (and public remote ones) sent here, as
        # in the feed and GET /api/v1/events; may_see (inside upcoming) still decides per row
        where = None
        if quarter_id is not None:
            languages = reach.parse_languages(me.languages_seen)
            where = reach.visible(Event, quarter_id, "all", languages)
        return events.upcoming(quarter_id, utcnow(), 100, None, where, me)

    rows = await node.db.run(find)
    return render(request, "events/index.html", events=rows)


def _form_values(event: Event | None) -> dict[str, Any]:
    if event is None:
        return {
            "timezone": "Europe/Paris",
            "capacity": "0",
            "join_mode": "free",
            "category": "COMMUNITY",
        }
    tz = ZoneInfo(event.timezone)

    def local(value: dt.datetime) -> str:
        return value.replace(tzinfo=dt.UTC).astimezone(tz).strftime("%Y-%m-%dT%H:%M")

    return {
        "title": event.title,
        "description": event.description,
        "start": local(event.starts_at),
        "end": local(event.ends_at),
        "timezone": event.timezone,
        "place": event.place_name,
        "street": event.street,
        "postcode": event.postcode,
        "city": event.city,
        "lat": "" if event.lat is None else str(event.lat),
        "lon": "" if event.lon is None else str(event.lon),
        "capacity": str(event.capacity),
        "join_mode": event.join_mode,
        "category": event.category,
        "reach": event.reach,
        "language": event.language,
    }


async def new(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_verified(request)
    organisations = await node.db.run(_my_organisations, me.id)
    return render(
        request,
        "events/form.html",
        form=_form_values(None) | {"reach": node.settings.default_reach},
        errors={},
        event=None,
        organisations=organisations,
        categories=category_labels(),
    )


async def create(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_verified(request)
    form = dict(await request.post())
    try:
        draft = event_drafts.EventDraft.parse(form, node.settings.default_reach)
        event = await commit(node, events.schedule, me.id, draft, actor_id=me.id)
    except Invalid as exc:
        organisations = await node.db.run(_my_organisations, me.id)
        return render(
            request,
            "events/form.html",
            status=400,
            form=form,
            errors={**exc.fields, "_": exc.message},
            event=None,
            organisations=organisations,
            categories=category_labels(),
        )
    raise redirect(f"/events/{event.id}", _("Your event is published."))


def _detail_data(event_id: int, viewer) -> dict[str, Any]:
    event = events.get_event(event_id, viewer)
    manage = events.can_manage(viewer, event)
    status, position = events.answer_of(event.id, viewer.id) if viewer else ("not_going", None)
    return {
        "event": event,
        "quarter": Quarter.get_or_none(Quarter.id == event.quarter_id),
        "organisation": Organisation.get_or_none(Organisation.id == event.organisation_id)
        if event.organisation_id
        else None,
        "organiser": Resident.get_or_none(Resident.id == event.organiser_id),
        "participants": events.participants(event.id),
        "waiting": events.waiting_list(event.id),
        "pending": events.pending(event.id) if manage else [],
        "can_manage": manage,
        "my_status": status,
        "position": position,
        "over": event.ends_at <= utcnow(),
        "comments": comments.under("event", event.id, viewer),
        "item_origin": reach.origin_of(event),
        "distance_m": reach.distance(viewer, event),
    }


async def detail(request: web.Request) -> web.Response:
    node = request.app[node_key]
    data = await node.db.run(_detail_data, _event_id(request), current(request))
    return render(request, "events/detail.html", **data)


async def edit_form(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_resident(request)
    data = await node.db.run(_detail_data, _event_id(request), me)
    if not data["can_manage"]:
        raise web.HTTPForbidden()
    return render(
        request,
        "events/form.html",
        form=_form_values(data["event"]),
        errors={},
        event=data["event"],
        organisations=[],
        categories=category_labels(),
    )


async def update(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_resident(request)
    event_id = _event_id(request)
    form = dict(await request.post())
    seen = str(form.pop("version", "") or "")
    expected = (int(seen),) if seen.isdigit() and len(seen) < 10 else None
    try:
        draft = event_drafts.EventDraft.parse(form, node.settings.default_reach)
        await commit(node, events.edit, me.id, event_id, draft, expected, actor_id=me.id)
    except (Invalid, Stale) as exc:
        # Stale: another organiser saved first; keep what this one typed, at the current version
        event = await node.db.run(events.get_event, event_id, me)
        stale = isinstance(exc, Stale)
        message = (
            _(
                "This event was changed meanwhile: your changes below are not saved. "
                "Check the event, then save again."
            )
            if stale
            else exc.message
        )
        return render(
            request,
            "events/form.html",
            status=409 if stale else 400,
            form={**form, "version": event.version} if stale else form,
            errors={**exc.fields, "_": message},
            event=event,
            organisations=[],
            categories=category_labels(),
        )
    raise redirect(f"/events/{event_id}", _("The event is updated; participants are told."))


async def cancel(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_resident(request)
    event_id = _event_id(request)
    await commit(node, events.cancel, me.id, event_id, actor_id=me.id)
    raise redirect(f"/events/{event_id}", _("The event is cancelled; participants are told."))


async def rsvp(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_verified(request)
    event_id = _event_id(request)
    form = await request.post()
    row = await commit(
        node, events.rsvp, me.id, event_id, str(form.get("status", "")), actor_id=me.id
    )
    messages = {
        "going": _("See you there!"),
        "waiting": _("The event is full: you are on the waiting list."),
        "pending": _("Your request was sent to the organisers."),
        "not_going": _("You are no longer going."),
    }
    raise redirect(f"/events/{event_id}", messages[row.status])


async def decide(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_resident(request)
    event_id = _event_id(request)
    form = await request.post()
    rsvp_id = inputs.bounded_int(str(form.get("rsvp", "")), low=1, message=_("Unknown request."))
    approve = form.get("decision") == "approve"
    await commit(node, events.decide, me.id, rsvp_id, approve, actor_id=me.id)
    raise redirect(f"/events/{event_id}", _("Done."))


def _ics_response(body: str, filename: str) -> web.Response:
    response = web.Response(
        body=body.encode("utf-8"), content_type="text/calendar", charset="utf-8"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


async def event_ics(request: web.Request) -> web.Response:
    node = request.app[node_key]
    event = await node.db.run(events.get_event, _event_id(request), current(request))
    body = ical.calendar([event], lambda e: node.urls.event(e.id), utcnow(), event.title)
    return _ics_response(body, f"event-{event.id}.ics")


def _calendar_events(slug: str | None, me) -> tuple[Quarter, list[Event]]:
    quarter = None
    if slug:
        quarter = Quarter.get_or_none((Quarter.slug == slug) & Quarter.external_ref.is_null())
    elif me is not None and me.quarter_id:
        quarter = Quarter.get_or_none(Quarter.id == me.quarter_id)
    if quarter is None:
        raise NotFound(_("No such quarter."))
    now = utcnow()
    rows = list(
        Event.select()
        .where(
            (Event.quarter == quarter.id)
            & reach.readable(Event, me)  # visitors get the quarter's public events only
            & (Event.hidden == False)  # noqa: E712
            & (Event.ends_at > now - dt.timedelta(days=30))
        )
        .order_by(Event.starts_at)
        .limit(500)
    )
    return quarter, rows


async def calendar_ics(request: web.Request) -> web.Response:
    node = request.app[node_key]
    quarter, rows = await node.db.run(
        _calendar_events, request.query.get("quarter"), current(request)
    )
    body = ical.calendar(rows, lambda e: node.urls.event(e.id), utcnow(), quarter.name)
    return _ics_response(body, f"{quarter.slug}.ics")


ROUTES = [
    ("GET", "/events", index, "events"),
    ("GET", "/events/new", new, "event_new"),
    ("POST", "/events", create, "event_create"),
    ("GET", r"/events/{id:\d+}.ics", event_ics, "event_ics"),
    ("GET", r"/events/{id:\d+}/edit", edit_form, "event_edit"),
    ("POST", r"/events/{id:\d+}/edit", update, "event_update"),
    ("POST", r"/events/{id:\d+}/cancel", cancel, "event_cancel"),
    ("POST", r"/events/{id:\d+}/rsvp", rsvp, "event_rsvp"),
    ("POST", r"/events/{id:\d+}/decide", decide, "event_decide"),
    ("GET", "/calendar.ics", calendar_ics, "calendar_ics"),
]
