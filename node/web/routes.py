"""The URL map: every area's routes in one table, named; each area's module loaded by its first request.

An idle node answers no page: importing the forty handler modules at start (and the domain code
only they use) would hold about 2 MB for nothing (bench/README.md, "Memory"). So the table below
repeats each area's routes (method, path, name, in the order of the module's ROUTES, which stays
the source of the handlers), and the router gets a small handler per route that imports its
module on the first request and then calls the module's own handler. Paths, names, order and URL
reversal are those of the modules' ROUTES: tests/web/test_routes.py checks the table against
them and prints the lines to write when a module's ROUTES change.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

STATIC_DIR = Path(__file__).resolve().parent / "static"

# area module (under node.web) → its ROUTES as (method, path, name), in registration order
TABLE: dict[str, tuple[tuple[str, str, str], ...]] = {
    "ui.home": (("GET", "/", "home"),),
    "auth": (
        ("GET", "/signup", "signup"),
        ("POST", "/signup", "signup_post"),
        ("GET", "/signup/confirm/{token}", "signup_confirm"),
        ("POST", "/signup/confirm/{token}", "signup_confirm_post"),
        ("GET", "/login", "login"),
        ("POST", "/login", "login_post"),
        ("POST", "/logout", "logout"),
    ),
    "health": (
        ("GET", "/livez", "livez"),
        ("GET", "/readyz", "readyz"),
        ("GET", "/healthz", "healthz"),
    ),
    "metrics": (("GET", "/metrics", "metrics"),),
    "wellknown": (
        ("GET", "/.well-known/webfinger", "webfinger"),
        ("GET", "/.well-known/host-meta", "host_meta"),
        ("GET", "/.well-known/nodeinfo", "nodeinfo_links"),
        ("GET", r"/nodeinfo/{version:2\.[01]}", "nodeinfo"),
    ),
    "api.openapi": (("GET", "/api/v1/openapi.json", "api_openapi"),),
    "federation": (
        ("GET", "/actor", "ap_instance_actor"),
        ("POST", "/actor/inbox", "ap_instance_inbox"),
        ("POST", "/inbox", "ap_shared_inbox"),
        ("POST", "/@{handle}/inbox", "ap_inbox"),
        ("GET", "/@{handle}/outbox", "ap_outbox"),
        ("GET", "/@{handle}/followers", "ap_followers"),
        ("GET", "/@{handle}/following", "ap_following"),
        ("GET", "/@{handle}", "actor"),
        ("GET", r"/listings/{id:\d+}", "listing_detail"),
        ("GET", r"/events/{id:\d+}", "event_detail"),
    ),
    "api.listings": (
        ("GET", "/api/v1/listings", "api_listings"),
        ("POST", "/api/v1/listings", "api_listing_create"),
        ("GET", "/api/v1/listings/{id}", "api_listing"),
        ("PATCH", "/api/v1/listings/{id}", "api_listing_update"),
        ("DELETE", "/api/v1/listings/{id}", "api_listing_withdraw"),
    ),
    "api.loans": (
        ("POST", "/api/v1/listings/{id}/loans", "api_loan_ask"),
        ("GET", "/api/v1/loans", "api_loans"),
        ("GET", "/api/v1/loans/{id}", "api_loan"),
        ("POST", "/api/v1/loans/{id}/accept", "api_loan_accept"),
        ("POST", "/api/v1/loans/{id}/decline", "api_loan_decline"),
        ("POST", "/api/v1/loans/{id}/handover", "api_loan_handover"),
        ("POST", "/api/v1/loans/{id}/return", "api_loan_return"),
        ("POST", "/api/v1/loans/{id}/cancel", "api_loan_cancel"),
        ("POST", "/api/v1/loans/{id}/extend", "api_loan_extend"),
        ("POST", "/api/v1/loans/{id}/extend/accept", "api_loan_extend_accept"),
        ("POST", "/api/v1/loans/{id}/extend/decline", "api_loan_extend_decline"),
        ("POST", "/api/v1/loans/{id}/thank", "api_loan_thank"),
    ),
    "ui.listings": (
        ("GET", "/listings", "listings"),
        ("GET", "/listings/new", "listing_new"),
        ("POST", "/listings", "listing_create"),
        ("GET", r"/listings/{id:\d+}/edit", "listing_edit"),
        ("POST", r"/listings/{id:\d+}/edit", "listing_update"),
        ("POST", r"/listings/{id:\d+}/photos/{photo:\d+}/alt", "listing_photo_alt"),
        ("POST", r"/listings/{id:\d+}/photos/{photo:\d+}/delete", "listing_photo_delete"),
        ("POST", r"/listings/{id:\d+}/{action:reserve|done|reopen|withdraw|renew}", "listing_act"),
        ("GET", "/media/listings/{name}", "listing_media"),
    ),
    "ui.loans": (
        ("POST", r"/listings/{id:\d+}/loans", "loan_ask"),
        ("GET", "/loans", "loans"),
        ("GET", r"/loans/{id:\d+}", "loan"),
        ("POST", r"/loans/{id:\d+}/{action}", "loan_act"),
    ),
    "passwords": (
        ("GET", "/password/forgot", "password_forgot"),
        ("POST", "/password/forgot", "password_forgot_post"),
        ("GET", "/password/reset/{token}", "password_reset"),
        ("POST", "/password/reset/{token}", "password_reset_post"),
    ),
    "ui.account": (
        ("GET", "/settings", "settings"),
        ("POST", "/settings", "settings_post"),
        ("POST", "/settings/avatar", "settings_avatar"),
        ("POST", "/settings/languages", "settings_languages"),
        ("POST", "/settings/tokens", "settings_token_create"),
        ("POST", r"/settings/tokens/{id:\d+}/revoke", "settings_token_revoke"),
        ("GET", "/settings/export", "settings_export"),
        ("GET", "/settings/delete", "settings_delete"),
        ("POST", "/settings/delete", "settings_delete_post"),
    ),
    "ui.address": (
        ("GET", "/settings/address", "settings_address"),
        ("POST", "/settings/address", "settings_address_post"),
        ("GET", "/settings/verification", "settings_verification"),
        ("POST", "/settings/verification", "settings_verification_post"),
    ),
    "ui.residents": (("GET", "/media/{path:.+}", "media"),),
    "ui.admin": (
        ("GET", "/admin", "admin"),
        ("GET", "/admin/quarters", "admin_quarters"),
        ("POST", "/admin/quarters", "admin_quarters_post"),
        ("GET", "/admin/quarters/{slug}", "admin_quarter"),
        ("POST", "/admin/quarters/{slug}", "admin_quarter_post"),
        ("GET", "/admin/residents", "admin_residents"),
        ("POST", r"/admin/residents/{id:\d+}/role", "admin_resident_role"),
        ("POST", r"/admin/residents/{id:\d+}/quarter", "admin_resident_quarter"),
    ),
    "ui.admin_verification": (
        ("GET", "/admin/verification", "admin_verification"),
        ("GET", r"/admin/verification/{id:\d+}/document", "admin_verification_document"),
        ("POST", r"/admin/verification/{id:\d+}/decide", "admin_verification_decide"),
    ),
    "ui.admin_organisations": (
        ("GET", "/admin/organisations", "admin_organisations"),
        ("POST", "/admin/organisations", "admin_organisations_post"),
        ("GET", r"/admin/organisations/{id:\d+}", "admin_organisation"),
        ("POST", r"/admin/organisations/{id:\d+}", "admin_organisation_post"),
        ("POST", r"/admin/organisations/{id:\d+}/members", "admin_org_member_add"),
        (
            "POST",
            r"/admin/organisations/{id:\d+}/members/{rid:\d+}/remove",
            "admin_org_member_remove",
        ),
    ),
    "ui.events": (
        ("GET", "/events", "events"),
        ("GET", "/events/new", "event_new"),
        ("POST", "/events", "event_create"),
        ("GET", r"/events/{id:\d+}.ics", "event_ics"),
        ("GET", r"/events/{id:\d+}/edit", "event_edit"),
        ("POST", r"/events/{id:\d+}/edit", "event_update"),
        ("POST", r"/events/{id:\d+}/cancel", "event_cancel"),
        ("POST", r"/events/{id:\d+}/rsvp", "event_rsvp"),
        ("POST", r"/events/{id:\d+}/decide", "event_decide"),
        ("GET", "/calendar.ics", "calendar_ics"),
    ),
    "ui.feed": (
        ("GET", "/feed.atom", "feed_atom"),
        ("GET", "/map", "map"),
        ("GET", "/map.geojson", "map_geojson"),
        ("GET", "/announcements/new", "announcement_new"),
        ("POST", "/announcements", "announcement_create"),
        ("GET", r"/announcements/{id:\d+}", "announcement"),
    ),
    "ui.messages": (
        ("GET", "/messages", "messages"),
        ("GET", "/messages/new", "message_new"),
        ("POST", "/messages", "message_send"),
        ("GET", r"/messages/{id:\d+}", "conversation"),
        ("POST", r"/messages/{id:\d+}", "conversation_reply"),
        ("POST", "/blocks", "block"),
    ),
    "ui.moderation": (
        ("POST", "/reports", "report"),
        ("GET", "/moderation", "moderation"),
        ("POST", "/moderation/act", "moderation_act"),
        ("GET", "/moderation/log", "moderation_log"),
    ),
    "ui.notifications": (
        ("GET", "/notifications", "notifications"),
        ("POST", "/notifications/read", "notifications_read"),
        ("GET", "/settings/notifications", "notification_settings"),
        ("POST", "/settings/notifications", "notification_settings_save"),
    ),
    "api.events": (
        ("POST", "/api/v1/events", "api_events_create"),
        ("GET", "/api/v1/events", "api_events"),
        ("GET", r"/api/v1/events/{id:\d+}", "api_event"),
        ("POST", r"/api/v1/events/{id:\d+}/rsvp", "api_event_rsvp"),
        ("POST", r"/api/v1/events/{id:\d+}/cancel", "api_event_cancel"),
    ),
    "api.feed": (("GET", "/api/v1/feed", "api_feed"),),
    "api.messages": (
        ("POST", "/api/v1/messages", "api_messages_send"),
        ("GET", "/api/v1/conversations", "api_conversations"),
        ("GET", r"/api/v1/conversations/{id:\d+}", "api_conversation"),
        ("POST", "/api/v1/reports", "api_reports"),
        ("POST", "/api/v1/blocks", "api_blocks"),
    ),
    "ui.comments": (
        ("GET", r"/comments/{id:\d+}", "comment"),
        ("POST", r"/listings/{id:\d+}/comments", "listing_comment"),
        ("POST", r"/events/{id:\d+}/comments", "event_comment"),
    ),
    "ui.shelf": (
        ("GET", "/shelf", "shelf"),
        ("POST", "/shelf", "shelf_add"),
        ("POST", r"/shelf/{id:\d+}/remove", "shelf_remove"),
        ("POST", "/shelf/matches/{id}/answer", "shelf_answer"),
    ),
    "api.borders": (
        ("GET", "/api/v1/twins", "api_twins"),
        ("POST", "/api/v1/twins", "api_twin_create"),
        ("POST", "/api/v1/twins/{id}/accept", "api_twin_accept"),
        ("POST", "/api/v1/twins/{id}/refuse", "api_twin_refuse"),
        ("POST", "/api/v1/twins/{id}/end", "api_twin_end"),
        ("POST", "/api/v1/resolve", "api_resolve"),
        ("PUT", "/api/v1/me/languages", "api_languages"),
    ),
    "ui.admin_borders": (
        ("GET", "/admin/twins", "admin_twins"),
        ("POST", "/admin/twins", "admin_twin_request"),
        ("POST", r"/admin/twins/{id:\d+}/{verb:accept|refuse}", "admin_twin_decide"),
        ("POST", r"/admin/twins/{id:\d+}/end", "admin_twin_end"),
        ("GET", "/admin/domains", "admin_domains"),
        ("POST", "/admin/domains", "admin_domains_change"),
        ("GET", "/admin/trusted-nodes", "admin_trusted_nodes"),
        ("POST", "/admin/trusted-nodes", "admin_trusted_nodes_add"),
        ("POST", "/admin/trusted-nodes/remove", "admin_trusted_nodes_remove"),
    ),
    "ui.admin_categories": (
        ("GET", "/admin/categories", "admin_categories"),
        ("POST", "/admin/categories", "admin_categories_post"),
        (
            "POST",
            "/admin/categories/{slug:[a-z0-9][a-z0-9-]{0,39}}/rename",
            "admin_category_rename",
        ),
        ("POST", "/admin/categories/{slug:[a-z0-9][a-z0-9-]{0,39}}/move", "admin_category_move"),
        (
            "POST",
            "/admin/categories/{slug:[a-z0-9][a-z0-9-]{0,39}}/visibility",
            "admin_category_visibility",
        ),
    ),
    "ui.admin_stats": (("GET", "/admin/stats", "admin_stats"),),
    "ui.security": (
        ("POST", "/settings/password", "settings_password"),
        ("POST", "/settings/sessions/end", "settings_sessions_end"),
    ),
    "ui.invite": (
        ("GET", "/quarters/{slug}/invite", "quarter_invite"),
        ("GET", "/quarters/{slug}/invite.png", "quarter_invite_png"),
        ("POST", "/quarters/{slug}/invite/renew", "quarter_invite_renew"),
    ),
    "api.residents": (
        ("GET", "/api/v1/residents/{handle}", "api_resident"),
        ("POST", "/api/v1/residents/{handle}/unverify", "api_resident_unverify"),
        ("POST", r"/admin/residents/{id:\d+}/unverify", "admin_resident_unverify"),
    ),
    "ui.moderation_log": (("GET", "/quarters/{slug}/moderation", "quarter_moderation_log"),),
    "api.thanks": (
        ("POST", "/api/v1/thanks", "api_thanks"),
        ("POST", "/thanks", "thanks"),
    ),
    "api.notifications": (
        ("GET", "/api/v1/notifications", "api_notifications"),
        ("POST", "/api/v1/notifications/{id}/read", "api_notification_read"),
        ("POST", "/api/v1/shelf/matches/{id}/answer", "api_shelf_answer"),
    ),
    "ui.app_shell": (
        ("GET", "/manifest.webmanifest", "manifest"),
        ("GET", r"/icons/{kind:icon|maskable}-{size:\d{2,3}}.png", "icon"),
        ("GET", "/favicon.ico", "favicon"),
        ("GET", "/sw.js", "service_worker"),
        ("GET", "/offline", "offline"),
    ),
    "ui.paper": (
        ("GET", "/print/sticker.pdf", "print_sticker"),
        ("GET", "/quarters/{slug}/poster.pdf", "quarter_poster"),
        ("GET", "/quarters/{slug}/digest.pdf", "quarter_digest"),
        ("GET", "/@{handle}/shelf", "resident_shelf"),
    ),
}


def area_handlers(area: str) -> dict[str, Handler]:
    """The handlers of an area's module, by route name (importing the module)."""
    module = importlib.import_module(f"node.web.{area}")
    return {name: handler for _method, _path, handler, name in module.ROUTES}


def lazy_handler(area: str, name: str) -> Handler:
    """A handler that imports its area's module on the first request, then calls its own."""
    found: list[Handler] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        if not found:  # no await before the append: tasks cannot both get here
            found.append(area_handlers(area)[name])
        return await found[0](request)

    handler.__name__ = handler.__qualname__ = f"{area}:{name}"
    return handler


# (method, path, handler, name) per area, as the modules' ROUTES but with lazy handlers
AREAS = [
    [(method, path, lazy_handler(area, name), name) for method, path, name in routes]
    for area, routes in TABLE.items()
]


def setup_routes(app: web.Application) -> None:
    for routes in AREAS:
        for method, path, handler, name in routes:
            app.router.add_route(method, path, handler, name=name)
    app.router.add_static("/static", STATIC_DIR, name="static", append_version=True)
