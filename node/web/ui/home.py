"""The home page: the resident's quarter, or the node's quarters for visitors."""

from __future__ import annotations

from aiohttp import web

from node.appkeys import node_key
from node.local import quarters
from node.local.models import Quarter
from node.web.guards import current
from node.web.render import render


def _home_data(quarter_id: int | None) -> dict:
    quarter = Quarter.get_or_none(Quarter.id == quarter_id) if quarter_id else None
    return {"quarter": quarter, "quarters": quarters.local_quarters()}


async def home(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = current(request)
    data = await node.db.run(_home_data, me.quarter_id if me else None)
    return render(request, "home.html", **data)


ROUTES = [("GET", "/", home, "home")]
