"""What makes Quartier installable: the web app manifest, icons, favicon, service worker, offline page.

Lighthouse's installability rules are the reference: name, short_name, start_url, display standalone,
192 and 512 px icons (one maskable), and a service worker with a fetch handler whose scope is "/"."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from aiohttp import web

from node import __version__
from node.appkeys import language_key, node_key
from node.i18n import _
from node.web import icons
from node.web.render import render

STATIC = Path(__file__).resolve().parent.parent / "static"
IMMUTABLE = {"Cache-Control": "public, max-age=604800"}


def _static(request: web.Request, name: str) -> str:
    return str(request.app.router["static"].url_for(filename=name))


async def manifest(request: web.Request) -> web.Response:
    node = request.app[node_key]
    name = node.settings.node_name
    doc = {
        "id": "/",
        "name": name,
        "short_name": name[:12],
        "description": node.settings.node_description
        or _("Lend, give, help and meet: with the neighbours of your quarter."),
        "lang": request.get(language_key, ""),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#faf6f1",
        "theme_color": "#b4441b",
        "categories": ["social", "lifestyle"],
        "icons": [
            {"src": "/icons/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": "/icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": "/icons/maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
        "shortcuts": [
            {"name": _("Publish a listing"), "url": "/listings/new"},
            {"name": _("Messages"), "url": "/messages"},
        ],
    }  # fmt: skip
    return web.Response(
        text=json.dumps(doc, ensure_ascii=False),
        content_type="application/manifest+json",
        headers={"Cache-Control": "public, max-age=3600", "Vary": "Cookie, Accept-Language"},
    )


async def icon(request: web.Request) -> web.Response:
    kind, size = request.match_info["kind"], int(request.match_info["size"])
    if size not in icons.SIZES or (kind == "maskable" and size != 512):
        raise web.HTTPNotFound()
    return web.Response(
        body=icons.png(size, kind == "maskable"), content_type="image/png", headers=IMMUTABLE
    )


async def favicon(request: web.Request) -> web.Response:
    return web.Response(body=icons.ico(), content_type="image/x-icon", headers=IMMUTABLE)


async def service_worker(request: web.Request) -> web.Response:
    shell = [
        "/offline",
        _static(request, "css/quartier.css"),
        _static(request, "js/app.js"),
        "/icons/icon-64.png",
        "/icons/icon-192.png",
        "/favicon.ico",
    ]
    version = __version__ + "-" + hashlib.sha256("\n".join(shell).encode()).hexdigest()[:10]
    source = (STATIC / "js" / "sw.js").read_text(encoding="utf-8")
    source = source.replace("__VERSION__", version).replace("__SHELL__", json.dumps(shell))
    return web.Response(
        text=source,
        content_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )


async def offline(request: web.Request) -> web.Response:
    return render(request, "offline.html")


ROUTES = [
    ("GET", "/manifest.webmanifest", manifest, "manifest"),
    ("GET", r"/icons/{kind:icon|maskable}-{size:\d{2,3}}.png", icon, "icon"),
    ("GET", "/favicon.ico", favicon, "favicon"),
    ("GET", "/sw.js", service_worker, "service_worker"),
    ("GET", "/offline", offline, "offline"),
]
