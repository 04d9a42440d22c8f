"""The OpenAPI 3 document of /api/v1, assembled from each API module's OPENAPI paths."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node import __version__
from node.web.api import (
    borders,
    events,
    feed,
    listings,
    loans,
    messages,
    notifications,
    residents,
    thanks,
)

# Each API module exposes OPENAPI = {"/api/v1/...": {"get": {...}, ...}} beside its ROUTES.
API_MODULES: list[Any] = [
    listings,
    loans,
    events,
    feed,
    messages,
    borders,
    notifications,
    residents,
    thanks,
]

ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
}


def document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Error": ERROR}
    for module in API_MODULES:
        for path, operations in module.OPENAPI.items():
            paths.setdefault(path, {}).update(operations)
        schemas.update(getattr(module, "SCHEMAS", {}))
    paths["/api/v1/openapi.json"] = {
        "get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3"}}}
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Quartier API",
            "version": __version__,
            "description": "Bearer token from `quartier admin create-token` or the settings page. "
            "Lists are JSON arrays paged with ?limit= and ?before=; the next page is in a Link header. "
            'Errors are {"error": code, "message": text}.',
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
        },
        "security": [{"bearer": []}],
        "paths": paths,
    }


async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(document())


ROUTES = [("GET", "/api/v1/openapi.json", openapi_json, "api_openapi")]
