"""The URL map: every area's routes in one table, named."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from node.web import auth, federation, health, metrics, passwords, wellknown
from node.web.api import borders as api_borders
from node.web.api import events as api_events
from node.web.api import feed as api_feed
from node.web.api import listings as api_listings
from node.web.api import loans as api_loans
from node.web.api import messages as api_messages
from node.web.api import notifications as api_notifications
from node.web.api import openapi
from node.web.api import residents as api_residents
from node.web.api import thanks as api_thanks
from node.web.ui import (
    account,
    address,
    admin,
    admin_borders,
    admin_categories,
    admin_organisations,
    admin_stats,
    admin_verification,
    app_shell,
    events,
    feed,
    home,
    messages,
    moderation,
    moderation_log,
    notifications,
    paper,
    residents,
    security,
)
from node.web.ui import comments as ui_comments
from node.web.ui import invite as ui_invite
from node.web.ui import listings as ui_listings
from node.web.ui import loans as ui_loans
from node.web.ui import shelf as ui_shelf

STATIC_DIR = Path(__file__).resolve().parent / "static"

AREAS = [
    home.ROUTES,
    auth.ROUTES,
    health.ROUTES,
    metrics.ROUTES,
    wellknown.ROUTES,
    openapi.ROUTES,
    federation.ROUTES,
]
AREAS += [api_listings.ROUTES, api_loans.ROUTES, ui_listings.ROUTES, ui_loans.ROUTES]
AREAS += [passwords.ROUTES, account.ROUTES, address.ROUTES, residents.ROUTES]
AREAS += [admin.ROUTES, admin_verification.ROUTES, admin_organisations.ROUTES]
AREAS += [events.ROUTES, feed.ROUTES, messages.ROUTES, moderation.ROUTES, notifications.ROUTES]
AREAS += [api_events.ROUTES, api_feed.ROUTES, api_messages.ROUTES]
AREAS += [ui_comments.ROUTES, ui_shelf.ROUTES]
AREAS += [api_borders.ROUTES, admin_borders.ROUTES]
AREAS += [admin_categories.ROUTES, admin_stats.ROUTES]
AREAS += [security.ROUTES]
AREAS += [ui_invite.ROUTES]
AREAS += [api_residents.ROUTES, moderation_log.ROUTES, api_thanks.ROUTES]
AREAS += [api_notifications.ROUTES]
AREAS += [app_shell.ROUTES]
AREAS += [paper.ROUTES]


def setup_routes(app: web.Application) -> None:
    for routes in AREAS:
        for method, path, handler, name in routes:
            app.router.add_route(method, path, handler, name=name)
    app.router.add_static("/static", STATIC_DIR, name="static", append_version=True)
