"""The quarter's feed as Atom, the map page and its GeoJSON, and announcements."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any
from xml.sax.saxutils import escape

from aiohttp import web

from node.appkeys import map_cache_key, node_key
from node.commit import commit
from node.i18n import _
from node.local import announcements, feed, inputs, mapping, mapview, reach
from node.local.errors import Invalid, NotFound
from node.local.models import Announcement, Organisation, OrganisationMember, Quarter, utcnow
from node.local.moderation.actions import is_moderator_of
from node.web.guards import current, require_verified
from node.web.render import redirect, render


def quarter_for(slug: str | None, me) -> Quarter | None:
    """?quarter=slug, else the resident's quarter."""
    if slug:
        quarter = Quarter.get_or_none((Quarter.slug == slug) & Quarter.external_ref.is_null())
        if quarter is None:
            raise NotFound(_("No such quarter."))
        return quarter
    if me is not None and me.quarter_id:
        return Quarter.get_or_none(Quarter.id == me.quarter_id)
    return None


def filters_for(request: web.Request, quarter: Quarter) -> feed.FeedFilter:
    """The feed filter of the query; visitors from outside the quarter see public items only."""
    me = current(request)
    filters = feed.FeedFilter.parse(request.query).read_by(me)
    viewer = reach.viewer_of(me)
    if not viewer.is_admin and (not viewer.reads_quarter or me.quarter_id != quarter.id):
        # outsiders, and unverified residents too: a claimed postcode proves nothing
        filters = filters.for_visitor()
    elif me.languages_seen:
        filters = dataclasses.replace(filters, languages=reach.parse_languages(me.languages_seen))
    return filters


def _atom_time(value: dt.datetime) -> str:
    return value.replace(microsecond=0).isoformat() + "Z"


async def atom(request: web.Request) -> web.Response:
    node = request.app[node_key]
    quarter = await node.db.run(quarter_for, request.query.get("quarter"), current(request))
    if quarter is None:
        raise NotFound(_("No such quarter."))
    filters = filters_for(request, quarter)
    items = await node.db.run(feed.feed, quarter.id, filters, utcnow(), 50, None)
    self_url = node.urls.absolute(f"/feed.atom?quarter={quarter.slug}")
    updated = max((i.created_at for i in items), default=quarter.created_at)
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{escape(quarter.name)}</title>",
        f"<id>{escape(node.urls.quarter(quarter.slug))}</id>",
        f'<link rel="self" type="application/atom+xml" href="{escape(self_url)}"/>',
        f'<link rel="alternate" type="text/html" href="{escape(node.urls.absolute("/"))}"/>',
        f"<updated>{_atom_time(updated)}</updated>",
        f"<author><name>{escape(node.settings.node_name)}</name></author>",
    ]
    for item in items:
        url = item.remote_url or node.urls.absolute(item.path)
        parts += [
            "<entry>",
            f"<title>{escape(item.title)}</title>",
            f"<id>{escape(url)}</id>",
            f'<link rel="alternate" type="text/html" href="{escape(url)}"/>',
            f"<published>{_atom_time(item.created_at)}</published>",
            f"<updated>{_atom_time(getattr(item.row, 'updated_at', None) or item.created_at)}</updated>",
            f'<category term="{escape(item.type)}"/>',
            f"<summary>{escape(item.summary)}</summary>",
            "</entry>",
        ]
    parts.append("</feed>")
    return web.Response(text="\n".join(parts), content_type="application/atom+xml", charset="utf-8")


MAP_LIST = 25  # items of each kind listed under the map (and instead of it without JavaScript)


def _kind(places: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [p for p in places if p["type"] == kind]


async def map_page(request: web.Request) -> web.Response:
    node = request.app[node_key]
    quarter = await node.db.run(quarter_for, request.query.get("quarter"), current(request))
    query = {k: v for k, v in request.query.items() if k in ("kind", "type", "category", "q")}
    places: list[dict[str, Any]] = []
    if quarter is not None:
        query["quarter"] = quarter.slug
        filters = filters_for(request, quarter)
        found, _until = await node.db.run(
            mapview.map_markers_until, quarter.id, filters, utcnow(), None, MAP_LIST + 1
        )
        places = [{"type": m.kind, "id": m.id, "title": m.title} for m in found]
    return render(
        request,
        "map.html",
        quarter=quarter,
        filters=feed.FeedFilter.parse(request.query),
        geojson_url=str(request.url.with_path("/map.geojson").with_query(query).relative()),
        places=[p for k in ("listing", "event") for p in _kind(places, k)[:MAP_LIST]],
        more=any(len(_kind(places, k)) > MAP_LIST for k in ("listing", "event")),
        feed_url=str(request.url.with_path("/").with_query(query).relative()),
    )


async def geojson(request: web.Request) -> web.Response:
    node = request.app[node_key]
    quarter = await node.db.run(quarter_for, request.query.get("quarter"), current(request))
    if quarter is None:
        raise NotFound(_("No such quarter."))
    filters = filters_for(request, quarter)
    box = mapview.parse_bbox(request.query.get("bbox"))
    zoom = mapping.parse_zoom(request.query.get("zoom"))
    form = mapping.parse_form(request.query.get("form"))
    body = await node.db.run(
        mapview.answer, request.app[map_cache_key], quarter.id, filters, utcnow(), box, zoom, form
    )
    response = web.Response(body=body, content_type="application/geo+json", charset="utf-8")
    if len(response.body) > 1024:
        response.enable_compression()  # gzip/deflate when the client accepts it
    return response


def _announcement(announcement_id: int, viewer) -> dict[str, Any]:
    row = Announcement.get_or_none(Announcement.id == announcement_id)
    if row is None or not reach.may_see(row, viewer):  # hidden: its author and moderators
        raise NotFound(_("No such announcement."))
    organisation = (
        Organisation.get_or_none(Organisation.id == row.organisation_id)
        if row.organisation_id
        else None
    )
    return {"announcement": row, "organisation": organisation}


async def announcement(request: web.Request) -> web.Response:
    node = request.app[node_key]
    data = await node.db.run(_announcement, int(request.match_info["id"]), current(request))
    return render(request, "announcement.html", **data)


def _publishers(me) -> list[tuple[str, str]]:
    options = [
        (str(o.id), o.name)
        for o in Organisation.select()
        .join(OrganisationMember)
        .where(OrganisationMember.resident == me.id)
        .order_by(Organisation.name)
    ]
    if is_moderator_of(me, me.quarter_id):
        options.insert(0, ("", _("The moderators")))
    return options


async def announcement_form(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_verified(request)
    options = await node.db.run(_publishers, me)
    if not options:
        raise web.HTTPForbidden()
    return render(request, "announcement_form.html", options=options, form={}, errors={})


async def announcement_create(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_verified(request)
    form = dict(await request.post())
    organisation = str(form.get("organisation") or "")
    try:
        row = await commit(
            node,
            announcements.publish,
            me.id,
            str(form.get("title", "")),
            str(form.get("body", "")),
            inputs.id_or_none(organisation),
            actor_id=me.id,
        )
    except Invalid as exc:
        options = await node.db.run(_publishers, me)
        return render(
            request,
            "announcement_form.html",
            status=400,
            options=options,
            form=form,
            errors={**exc.fields, "_": exc.message},
        )
    raise redirect(f"/announcements/{row.id}", _("Your announcement is published."))


ROUTES = [
    ("GET", "/feed.atom", atom, "feed_atom"),
    ("GET", "/map", map_page, "map"),
    ("GET", "/map.geojson", geojson, "map_geojson"),
    ("GET", "/announcements/new", announcement_form, "announcement_new"),
    ("POST", "/announcements", announcement_create, "announcement_create"),
    ("GET", r"/announcements/{id:\d+}", announcement, "announcement"),
]
