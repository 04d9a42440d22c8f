"""The node's figures for its admins: now, and the last 24 h as small server-rendered charts."""

from __future__ import annotations

import datetime as dt

from aiohttp import web

from node import figures, samples
from node.appkeys import node_key
from node.i18n import _
from node.queue import utcnow
from node.web.charts import line_chart
from node.web.guards import require_role
from node.web.render import render

DAY = dt.timedelta(hours=24)


def N_(message: str) -> str:
    """Marks a message for the catalogue; translated where it is shown."""
    return message


# sample name → chart title (translated when the page is drawn)
CHARTS = (
    ("inbox_received", N_("Activities received (per 5 minutes)")),
    ("inbox_waiting", N_("Inbox: activities waiting")),
    ("delivery_waiting", N_("Deliveries waiting")),
    ("delivery_retrying", N_("Deliveries retrying after a failure")),
    ("mail_waiting", N_("E-mails waiting")),
    ("active_residents", N_("Residents active in the last day")),
)


def _read(now: dt.datetime) -> tuple[figures.Figures, dict]:
    return figures.read(now), samples.series(now - DAY)


async def page(request: web.Request) -> web.Response:
    require_role(request, "admin")
    node = request.app[node_key]
    now = utcnow()
    found, series = await node.db.run(_read, now)
    charts = []
    for name, title in CHARTS:
        points = series.get(name, [])
        text = _(title)
        charts.append(
            {
                "title": text,
                "svg": line_chart(points, now - DAY, now, text),
                "last": points[-1][1] if points else None,
                "count": len(points),
            }
        )
    return render(request, "admin/stats.html", figures=found, charts=charts)


ROUTES = [("GET", "/admin/stats", page, "admin_stats")]
