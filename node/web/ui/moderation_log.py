"""GET /quarters/{slug}/moderation: the quarter's public moderation log, without an account
(HTML, or JSON for `Accept: application/json` / `?format=json`)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.appkeys import node_key
from node.i18n import _
from node.local import inputs, moderation_log
from node.local.errors import Invalid
from node.web.render import render


def action_label(action: str) -> str:
    return {
        "hide": _("Hidden"),
        "unhide": _("Shown again"),
        "remove": _("Removed"),
        "warn": _("Warning"),
        "suspend": _("Suspension"),
        "unsuspend": _("Suspension lifted"),
        "dismiss": _("Report dismissed"),
    }.get(action, action)


def kind_label(kind: str) -> str:
    return {
        "listing": _("a listing"),
        "event": _("an event"),
        "message": _("a message"),
        "comment": _("a comment"),
        "resident": _("an account"),
        "announcement": _("an announcement"),
    }.get(kind, kind)


def category_label(category: str) -> str:
    return {
        "spam": _("Spam or advertising"),
        "scam": _("Scam or fraud"),
        "harassment": _("Harassment"),
        "hate": _("Hate or discrimination"),
        "illegal": _("Illegal content or object"),
        "privacy": _("Someone's private information"),
        "unsafe": _("Dangerous object or meeting"),
        "off_topic": _("Not for this neighbourhood"),
        "misinformation": _("False information"),
        "other": _("Other"),
    }.get(category, category)


def _wants_json(request: web.Request) -> bool:
    if request.query.get("format") == "json":
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


async def public_log(request: web.Request) -> web.Response:
    node = request.app[node_key]
    raw = request.query.get("before")
    try:
        before = inputs.optional_int(raw, "before", low=1) if raw else None
    except (ValueError, Invalid):
        raise Invalid(_("before must be a whole number.")) from None
    quarter, rows = await node.db.run(
        moderation_log.public_log, request.match_info["slug"], moderation_log.MAX_ROWS, before
    )
    if _wants_json(request):
        items: list[dict[str, Any]] = [
            {
                "id": row_id,
                "date": entry.at.replace(microsecond=0).isoformat() + "Z",
                "action": entry.action,
                "kind": entry.kind,
                "category": entry.category,
            }
            for row_id, entry in rows
        ]
        return web.json_response({"quarter": quarter.slug, "name": quarter.name, "actions": items})
    entries = [
        {
            "at": entry.at,
            "action": action_label(entry.action),
            "kind": kind_label(entry.kind),
            "category": category_label(entry.category),
        }
        for _id, entry in rows
    ]
    return render(request, "moderation/public_log.html", quarter=quarter, entries=entries)


ROUTES = [("GET", "/quarters/{slug}/moderation", public_log, "quarter_moderation_log")]
