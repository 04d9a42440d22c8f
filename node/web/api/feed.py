"""JSON API of the quarter's feed: announcements, listings and events, newest first."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.appkeys import node_key
from node.i18n import _
from node.local import feed
from node.local.errors import Invalid, NotFound
from node.local.models import utcnow
from node.web.guards import current
from node.web.ui.feed import filters_for, quarter_for


def item_json(item: feed.FeedItem, urls) -> dict[str, Any]:
    data = {
        "type": item.type,
        "id": item.id,
        "title": item.title,
        "summary": item.summary,
        "url": item.remote_url or urls.absolute(item.path),
        "created_at": item.created_at.isoformat() + "Z",
        "origin": item.origin or "local",
        "ap_id": getattr(item.row, "external_ref", None),
        "cursor": item.cursor,
    }
    for key, value in item.extra.items():
        data[key] = value.isoformat() + "Z" if hasattr(value, "isoformat") else value
    return data


async def index(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = current(request)
    quarter = await node.db.run(quarter_for, request.query.get("quarter"), me)
    if quarter is None:
        raise NotFound(_("Say which quarter with ?quarter=slug."))
    try:
        limit = int(request.query.get("limit", 20))
    except ValueError:
        raise Invalid(_("limit must be a whole number.")) from None
    if not 1 <= limit <= 100:
        raise Invalid(_("limit must be between 1 and %(max)d.", max=100))
    filters = filters_for(request, quarter)
    items = await node.db.run(
        feed.feed, quarter.id, filters, utcnow(), limit, request.query.get("before")
    )
    response = web.json_response([item_json(i, node.urls) for i in items])
    if len(items) == limit:
        query = dict(request.query)
        query["before"] = items[-1].cursor
        response.headers["Link"] = f'<{request.url.with_query(query)}>; rel="next"'
    return response


ROUTES = [("GET", "/api/v1/feed", index, "api_feed")]

OPENAPI = {
    "/api/v1/feed": {
        "get": {
            "summary": "The quarter's feed: announcements, open listings and upcoming events",
            "security": [{"bearer": []}, {}],
            "parameters": [
                {"name": "quarter", "in": "query", "schema": {"type": "string"}},
                {
                    "name": "kind",
                    "in": "query",
                    "schema": {
                        "type": "string",
                        "enum": ["announcement", "listing", "event", "offer", "request"],
                    },
                },
                {
                    "name": "type",
                    "in": "query",
                    "schema": {"type": "string", "enum": ["service", "gift", "loan", "paid"]},
                },
                {"name": "category", "in": "query", "schema": {"type": "string"}},
                {"name": "q", "in": "query", "schema": {"type": "string"}},
                {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                {
                    "name": "before",
                    "in": "query",
                    "description": "the `cursor` of the last item of the previous page",
                    "schema": {"type": "string"},
                },
            ],
            "responses": {
                "200": {
                    "description": "An array of items with type, id, title, url, created_at, origin"
                }
            },
        }
    }
}
