"""Invite page for a quarter's moderators and ambassadors: a sign-up link and its QR code
(made here with segno: inline SVG on the page, PNG to download and print)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING
from urllib.parse import quote

from aiohttp import web
from markupsafe import Markup

from node.appkeys import node_key
from node.i18n import _
from node.local.errors import NotAllowed, NotFound
from node.local.models import Quarter, Resident
from node.web.guards import require_resident
from node.web.render import render

if TYPE_CHECKING:  # segno is imported with the first QR code, not at start
    import segno


def may_invite(viewer: Resident | None, quarter: Quarter) -> bool:
    """The quarter's moderators and ambassadors, and the node's admins."""
    if viewer is None:
        return False
    if viewer.role == "admin":
        return True
    return viewer.role in ("moderator", "ambassador") and viewer.quarter_id == quarter.id


def _quarter(slug: str) -> Quarter:
    quarter = Quarter.get_or_none((Quarter.slug == slug) & Quarter.external_ref.is_null())
    if quarter is None:
        raise NotFound(_("No such quarter."))
    return quarter


async def _allowed_quarter(request: web.Request) -> tuple[Quarter, str]:
    node = request.app[node_key]
    me = require_resident(request)
    quarter = await node.db.run(_quarter, request.match_info["slug"])
    if not may_invite(me, quarter):
        raise NotAllowed(_("Only the moderators and ambassadors of this quarter can invite."))
    return quarter, signup_link(node.urls.absolute("/signup"), quarter.slug)


def signup_link(signup_url: str, slug: str) -> str:
    return f"{signup_url}?quarter={quote(slug)}"


def qr_code(link: str) -> segno.QRCode:
    import segno

    return segno.make(link, error="m")  # medium correction: survives a crumpled poster


async def invite_page(request: web.Request) -> web.Response:
    quarter, link = await _allowed_quarter(request)
    svg = qr_code(link).svg_inline(
        scale=5, svgclass="qr", title=_("QR code to join %(quarter)s", quarter=quarter.name)
    )
    return render(request, "quarters/invite.html", quarter=quarter, link=link, qr_svg=Markup(svg))


async def invite_png(request: web.Request) -> web.Response:
    quarter, link = await _allowed_quarter(request)
    out = io.BytesIO()
    qr_code(link).save(out, kind="png", scale=10, border=4)
    return web.Response(
        body=out.getvalue(),
        content_type="image/png",
        headers={
            "Content-Disposition": f'attachment; filename="quartier-{quarter.slug}-invite.png"',
            "Cache-Control": "private, max-age=3600",
        },
    )


ROUTES = [
    ("GET", "/quarters/{slug}/invite", invite_page, "quarter_invite"),
    ("GET", "/quarters/{slug}/invite.png", invite_png, "quarter_invite_png"),
]
