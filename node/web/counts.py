"""Unread counts (notifications, messages) for the navigation of every page."""

from __future__ import annotations

from aiohttp import web

from node.appkeys import node_key, resident_key, unread_key


def _counts(resident_id: int) -> dict[str, int]:
    # imported by the first logged-in page: the messages' domain code is no start-up cost
    from node.local.messages import conversations as messages
    from node.local.notifications import read as notifications

    return {
        "notifications": notifications.unread_count(resident_id),
        "messages": messages.unread_count(resident_id),
    }


@web.middleware
async def unread_counts(request: web.Request, handler) -> web.StreamResponse:
    """Count before rendering: templates never query the database."""
    resident = request.get(resident_key)
    if (
        resident is not None
        and request.method == "GET"
        and not request.path.startswith(("/api/", "/static/", "/media/"))
        and not request.path.endswith((".ics", ".geojson", ".atom"))
    ):
        request[unread_key] = await request.app[node_key].db.run(_counts, resident.id)
    return await handler(request)
