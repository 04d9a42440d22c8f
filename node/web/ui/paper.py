"""Printed paper as PDF: a resident's letterbox sticker, a quarter's poster and its weekly digest."""

from __future__ import annotations

import asyncio
import datetime as dt

from aiohttp import web

from node import i18n
from node.appkeys import language_key, node_key
from node.i18n import _
from node.local import paper
from node.local.errors import DomainError
from node.local.listings import categories
from node.local.models import utcnow
from node.web.guards import current, require_resident
from node.web.render import render

# node.web.paper (reportlab and segno: ~4 MB) is imported by the handlers below, with the first
# PDF asked for, not at start (bench/README.md, "Memory").


def _pdf(body: bytes, filename: str, cache: str) -> web.Response:
    return web.Response(
        body=body,
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": cache,
            "X-Content-Type-Options": "nosniff",
        },
    )


async def _render(request: web.Request, build, *args) -> bytes:
    """Lay the PDF out off the event loop (tens of milliseconds of CPU), in the reader's language."""
    return await asyncio.to_thread(build, *args, request.get(language_key, i18n.current()))


async def sticker_pdf(request: web.Request) -> web.Response:
    """GET /print/sticker.pdf?format=a7|a4 (default a7): the logged-in resident's letterbox sticker."""
    from node.web.paper import sticker

    me = require_resident(request)
    fmt = (request.query.get("format") or sticker.DEFAULT_FORMAT).strip().lower()
    if fmt not in sticker.FORMATS:
        message = _("The format is a7 (one sticker) or a4 (a sheet of eight).")
        raise DomainError(message, {"format": message})
    node = request.app[node_key]
    data = await node.db.run(paper.sticker, me.id)
    url = node.urls.shelf(data.username)
    body = await _render(request, sticker.build, data, url, fmt)
    return _pdf(body, f"sticker-{fmt}.pdf", "private, no-store")


async def poster_pdf(request: web.Request) -> web.Response:
    """GET /quarters/{slug}/poster.pdf: public A4 poster (no login)."""
    from node.web.paper import poster

    node = request.app[node_key]
    quarter = await node.db.run(paper.local_quarter, request.match_info["slug"].lower())
    offers = await node.db.run(paper.poster_offers, quarter.id)
    invite = node.urls.quarter_invite(quarter.slug)
    body = await _render(request, poster.build, quarter.name, invite, offers, node.urls.base)
    response = _pdf(body, f"poster-{quarter.slug}.pdf", "public, max-age=300")
    response.headers["Vary"] = "Accept-Language, Cookie"  # printed in the reader's language
    return response


async def digest_pdf(request: web.Request) -> web.Response:
    """GET /quarters/{slug}/digest.pdf?week=YYYY-Www: the week's digest, for moderators and ambassadors."""
    from node.web.paper import digest

    me = require_resident(request)
    node = request.app[node_key]
    quarter = await node.db.run(paper.local_quarter, request.match_info["slug"].lower())
    paper.check_may_print_digest(me, quarter)
    week, start, end = paper.parse_week(request.query.get("week"), utcnow().date())
    found = await node.db.run(paper.digest, quarter.id, start, end)
    body = await _render(
        request,
        digest.build,
        quarter.name,
        week,
        start,
        found,
        node.urls.base,
        node.urls.quarter(quarter.slug),
    )
    return _pdf(body, f"digest-{quarter.slug}-{week}.pdf", "private, no-store")


async def shelf_page(request: web.Request) -> web.Response:
    """GET /@{handle}/shelf: what a resident always lends, and whether each object is free today."""
    node = request.app[node_key]
    today = dt.datetime.now(dt.UTC).date()
    owner, items = await node.db.run(
        paper.public_shelf, request.match_info["handle"].lower(), current(request), today
    )
    raw = dict(await node.db.run(categories.raw_choices))
    labels = {
        item.category: categories.label(item.category, raw.get(item.category, "")) for item in items
    }
    return render(
        request,
        "listings/shelf_public.html",
        owner=owner,
        owner_name=paper.first_name(owner),
        items=items,
        labels=labels,
    )


ROUTES = [
    ("GET", "/print/sticker.pdf", sticker_pdf, "print_sticker"),
    ("GET", "/quarters/{slug}/poster.pdf", poster_pdf, "quarter_poster"),
    ("GET", "/quarters/{slug}/digest.pdf", digest_pdf, "quarter_digest"),
    ("GET", "/@{handle}/shelf", shelf_page, "resident_shelf"),
]
