"""Helpers shared by API handlers: paging with ?limit=&before= and a Link header."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.i18n import _
from node.local import inputs
from node.local.errors import Invalid

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def paging(request: web.Request) -> tuple[int, int | None]:
    """(limit, before id) from the query; 400-style Invalid on bad values."""
    try:
        limit = int(request.query.get("limit", DEFAULT_LIMIT))
        before = inputs.optional_int(request.query.get("before"), "before", low=1)
    except (ValueError, Invalid):
        raise Invalid(_("limit and before must be whole numbers.")) from None
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(_("limit must be between 1 and %(max)d.", max=MAX_LIMIT))
    return limit, before


def page_response(
    request: web.Request, items: list[dict[str, Any]], limit: int, status: int = 200
) -> web.Response:
    """A JSON array; when the page is full, a Link rel="next" with before=<last id>."""
    response = web.json_response(items, status=status)
    if len(items) == limit and items:
        query = dict(request.query)
        query["before"] = str(items[-1]["id"])
        query["limit"] = str(limit)
        url = request.url.with_query(query)
        response.headers["Link"] = f'<{url}>; rel="next"'
    return response
