"""Invite page for a quarter's moderators and ambassadors: an invitation link and its QR code
(made here with segno: inline SVG on the page, PNG to download and print). Who may invite, and
what an invitation is worth, is node/local/invites.py."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING
from urllib.parse import quote

from aiohttp import web
from markupsafe import Markup

from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local import invites
from node.local.invites import QuarterInvite
from node.local.models import Quarter
from node.web.guards import require_resident
from node.web.render import redirect, render

if TYPE_CHECKING:  # segno is imported with the first QR code, not at start
    import segno


async def _current(request: web.Request) -> tuple[QuarterInvite, Quarter, str]:
    node = request.app[node_key]
    me = require_resident(request)
    invite = await commit(node, invites.current, me.id, request.match_info["slug"])
    quarter = await node.db.run(Quarter.get_by_id, invite.quarter_id)
    return invite, quarter, signup_link(node.urls.absolute("/signup"), invite.code)


def signup_link(signup_url: str, code: str) -> str:
    return f"{signup_url}?invite={quote(code)}"


def qr_code(link: str) -> segno.QRCode:
    import segno

    return segno.make(link, error="m")  # medium correction: survives a crumpled poster


async def invite_page(request: web.Request) -> web.Response:
    invite, quarter, link = await _current(request)
    svg = qr_code(link).svg_inline(
        scale=5, svgclass="qr", title=_("QR code to join %(quarter)s", quarter=quarter.name)
    )
    return render(
        request,
        "quarters/invite.html",
        quarter=quarter,
        invite=invite,
        link=link,
        qr_svg=Markup(svg),
    )


async def renew(request: web.Request) -> web.StreamResponse:
    """Withdraw the links already shared (and their QR codes) and make a new one."""
    node = request.app[node_key]
    me = require_resident(request)
    slug = request.match_info["slug"]
    await commit(node, invites.renew, me.id, slug)
    raise redirect(
        f"/quarters/{quote(slug)}/invite",
        _("The old invitation links no longer work. Share this new one."),
    )


async def invite_png(request: web.Request) -> web.Response:
    _invite, quarter, link = await _current(request)
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
    ("POST", "/quarters/{slug}/invite/renew", renew, "quarter_invite_renew"),
]
