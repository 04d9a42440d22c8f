"""Reports from residents, the moderators' queue and actions, and the public moderation log."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local import inputs
from node.local.models import Resident
from node.local.moderation import actions as moderation
from node.web.guards import require_resident, require_role
from node.web.nexturl import safe_next
from node.web.render import redirect, render
from node.web.ui.moderation_log import category_label


def _int(value: Any) -> int:
    return inputs.bounded_int(str(value), low=1, message=_("Unknown item."))


async def report(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_resident(request)
    form = await request.post()
    target_type = str(form.get("target_type", ""))
    target_id = _int(form.get("target_id"))
    await commit(
        node,
        moderation.report,
        me.id,
        target_type,
        target_id,
        str(form.get("reason", "")),
        actor_id=me.id,
    )
    back = urlsplit(request.headers.get("Referer", ""))
    path = back.path + (f"?{back.query}" if back.query else "")
    if back.netloc and back.netloc != request.host:
        path = "/"
    raise redirect(safe_next(path), _("Thank you: the moderators of the quarter will look at it."))


def _queue(moderator: Resident) -> dict[str, Any]:
    rows = moderation.queue(moderator)
    reporters = {
        r.id: r
        for r in Resident.select().where(Resident.id.in_([x.reporter_id for x in rows] or [0]))
    }
    return {
        "reports": [
            {
                "report": r,
                "reporter": reporters.get(r.reporter_id),
                "summary": moderation.target_summary(r, moderator),
            }
            for r in rows
        ]
    }


async def queue(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_role(request, "moderator", "admin")
    data = await node.db.run(_queue, me)
    categories = [(c, category_label(c)) for c in moderation.REASON_CATEGORIES]
    return render(request, "moderation/queue.html", categories=categories, **data)


async def act(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_role(request, "moderator", "admin")
    form = await request.post()
    report_id = str(form.get("report") or "")
    days = str(form.get("days") or "7")
    await commit(
        node,
        moderation.act,
        me.id,
        str(form.get("action", "")),
        str(form.get("target_type", "")),
        _int(form.get("target_id")),
        str(form.get("reason", "")),
        inputs.id_or_none(report_id),
        inputs.bounded_int(days, high=3650) if days.isdigit() else 7,
        str(form.get("category") or "other"),
        actor_id=me.id,
    )
    raise redirect("/moderation", _("Done."))


async def log(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_resident(request)
    rows = await node.db.run(moderation.log, me.quarter_id)
    return render(request, "moderation/log.html", actions=rows)


ROUTES = [
    ("POST", "/reports", report, "report"),
    ("GET", "/moderation", queue, "moderation"),
    ("POST", "/moderation/act", act, "moderation_act"),
    ("GET", "/moderation/log", log, "moderation_log"),
]
