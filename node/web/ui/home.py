"""The home page: the quarter's feed with filters, or the node's quarters for visitors."""

from __future__ import annotations

from aiohttp import web

from node.appkeys import node_key
from node.local import feed, quarters, reach
from node.local.listings import categories
from node.local.models import utcnow
from node.web import cards
from node.web.guards import current
from node.web.render import render
from node.web.ui.feed import filters_for, quarter_for

PAGE = 20


def _home_data(quarter, query, before: str | None) -> dict:
    data = {"quarter": quarter, "quarters": quarters.local_quarters(), "items": []}
    if quarter is not None:
        data["items"] = cards.dress(feed.feed(quarter.id, query, utcnow(), PAGE + 1, before))
        data["raw_categories"] = categories.raw_choices()
    return data


async def home(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = current(request)
    slug = request.query.get("quarter")
    quarter = await node.db.run(quarter_for, slug, me)
    filters = filters_for(request, quarter) if quarter else feed.FeedFilter.parse(request.query)
    data = await node.db.run(_home_data, quarter, filters, request.query.get("before"))
    items = data.pop("items")
    category_choices = categories.labelled(data.pop("raw_categories", []))  # reader's language
    more = len(items) > PAGE
    items = items[:PAGE]
    for item in items:  # how far away, from the resident's private position (never shown to others)
        # announcements have no place (no lat/lon): no distance, and no crash for every resident
        located = item.row is not None and hasattr(item.row, "lat")
        item.extra["distance_m"] = reach.distance(me, item.row) if located else None
    next_url = None
    if more:
        query = dict(request.query)
        query["before"] = items[-1].cursor
        next_url = str(request.url.with_query(query).relative())
    return render(
        request,
        "home.html",
        items=items,
        filters=filters,
        next_url=next_url,
        filtered=any(request.query.get(k) for k in ("kind", "type", "category", "q", "before")),
        categories=category_choices,
        category_names=dict(category_choices),
        **data,
    )


ROUTES = [("GET", "/", home, "home")]
