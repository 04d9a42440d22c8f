"""Account security in the settings: change the password, log out everywhere."""

from __future__ import annotations

from aiohttp import web

from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local.accounts import password_reset
from node.local.accounts import sessions as login_sessions
from node.local.errors import Invalid
from node.web.guards import require_resident
from node.web.middleware import login_response, logout_response
from node.web.render import redirect
from node.web.ui.account import _page, _text


async def change_password(request: web.Request) -> web.StreamResponse:
    """Every session ends (a thief's too); this browser gets a fresh one."""
    node = request.app[node_key]
    me = require_resident(request)
    form = await request.post()
    try:
        resident = await commit(
            node,
            password_reset.change_password,
            me.id,
            _text(form, "current_password"),
            _text(form, "new_password"),
            _text(form, "new_password2"),
            actor_id=me.id,
        )
    except Invalid as exc:
        return await _page(request, 400, {**exc.fields, "_": exc.message})
    response = redirect(
        "/settings", _("Your password is changed. Every other session is logged out.")
    )
    await login_response(response, request, resident)
    raise response


async def end_sessions(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_resident(request)
    await node.db.atomic(login_sessions.end_all, me.id)
    response = redirect("/login", _("You are logged out on every device."))
    await logout_response(response, request)
    raise response


ROUTES = [
    ("POST", "/settings/password", change_password, "settings_password"),
    ("POST", "/settings/sessions/end", end_sessions, "settings_sessions_end"),
]
