"""The notifications page and the per-kind e-mail preferences."""

from __future__ import annotations

from aiohttp import web

from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local import inputs
from node.local.notifications import read as notifications
from node.web.guards import require_resident
from node.web.render import redirect, render


async def index(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_resident(request)
    rows = await node.db.run(notifications.recent, me.id)
    return render(request, "notifications/index.html", notifications=rows)


async def mark_read(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_resident(request)
    form = await request.post()
    one = str(form.get("id") or "")
    await commit(node, notifications.mark_read, me.id, inputs.id_or_none(one), actor_id=me.id)
    raise redirect("/notifications")


async def settings_form(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_resident(request)
    chosen = await node.db.run(notifications.preferences, me.id)
    return render(
        request, "notifications/settings.html", chosen=chosen, labels=notifications.kind_labels()
    )


async def settings_save(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_resident(request)
    form = await request.post()
    modes = {kind: str(form.get(kind)) for kind in notifications.KINDS if form.get(kind)}
    await commit(node, notifications.set_preferences, me.id, modes, actor_id=me.id)
    raise redirect("/settings/notifications", _("Your choices are saved."))


ROUTES = [
    ("GET", "/notifications", index, "notifications"),
    ("POST", "/notifications/read", mark_read, "notifications_read"),
    ("GET", "/settings/notifications", settings_form, "notification_settings"),
    ("POST", "/settings/notifications", settings_save, "notification_settings_save"),
]
