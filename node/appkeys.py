"""Every typed key stored on the application or a request, in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from node.local.mapview import MapCache
    from node.local.models import Resident
    from node.runtime import Node

node_key: web.AppKey[Node] = web.AppKey("node")
templates_key: web.AppKey[Any] = web.AppKey("templates")
map_cache_key: web.AppKey[MapCache] = web.AppKey("map_cache")  # /map.geojson answers
resident_key: web.RequestKey[Resident | None] = web.RequestKey("resident")
session_key: web.RequestKey[dict] = web.RequestKey("session")
csrf_key: web.RequestKey[str] = web.RequestKey("csrf")
language_key: web.RequestKey[str] = web.RequestKey("language")
bearer_key: web.RequestKey[bool] = web.RequestKey("bearer")
request_id_key: web.RequestKey[str] = web.RequestKey("request_id")  # X-Request-Id, in 5xx logs
unread_key: web.RequestKey[dict] = web.RequestKey("unread")  # unread notifications and messages
