"""The URL map: every area's routes in one table, named."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from node.web import auth, wellknown
from node.web.api import events as api_events
from node.web.api import feed as api_feed
from node.web.api import messages as api_messages
from node.web.api import openapi
from node.web.ui import events, feed, home, messages, moderation, notifications

STATIC_DIR = Path(__file__).resolve().parent / "static"

AREAS = [home.ROUTES, auth.ROUTES, wellknown.ROUTES, openapi.ROUTES]
AREAS += [events.ROUTES, feed.ROUTES, messages.ROUTES, moderation.ROUTES, notifications.ROUTES]
AREAS += [api_events.ROUTES, api_feed.ROUTES, api_messages.ROUTES]


def setup_routes(app: web.Application) -> None:
    for routes in AREAS:
        for method, path, handler, name in routes:
            app.router.add_route(method, path, handler, name=name)
    app.router.add_static("/static", STATIC_DIR, name="static", append_version=True)
