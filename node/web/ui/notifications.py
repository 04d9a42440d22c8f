"""The notifications page and the per-kind e-mail preferences."""

from __future__ import annotations

from aiohttp import web

from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.i18n import current as current_language
from node.local import inputs
from node.local.notifications import read as notifications
from node.web.api import notifications as api_notifications
from node.web.guards import require_resident
from node.web.render import redirect, render


async def index(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_resident(request)
    language = current_language()

    def read() -> tuple[list, dict, dict]:
        rows = notifications.recent(me.id)
        texts = {n.id: notifications.render(n, language) for n in rows}
        actions = api_notifications.actions_for(me.id, rows, node.urls)
        for listed in actions.values():  # the page posts a form to the same action
            for action in listed:
                action["form"] = action["url"].replace(f"{node.urls.base}/api/v1", "")
        return rows, texts, actions

    rows, texts, actions = await node.db.run(read)
    return render(
        request, "notifications/index.html", notifications=rows, texts=texts, actions=actions
    )


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
