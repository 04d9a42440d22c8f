"""The OpenAPI document and the router agree, in both directions."""

import re

from node.web.api.openapi import document

METHODS = {"get", "post", "put", "patch", "delete"}


def _router_routes(app) -> set[tuple[str, str]]:
    found = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or ""
        if path.startswith("/api/v1") and route.method.lower() in METHODS:
            # aiohttp writes {id:\d+}; OpenAPI writes {id}
            found.add((route.method.lower(), re.sub(r"\{(\w+)(:[^}]*)?\}", r"{\1}", path)))
    return found


def _documented() -> set[tuple[str, str]]:
    return {
        (method, path)
        for path, operations in document()["paths"].items()
        for method in operations
        if method in METHODS
    }


def test_every_api_route_is_documented_and_every_documented_route_exists(app):
    routes = _router_routes(app)
    documented = _documented()
    assert ("post", "/api/v1/listings") in routes
    assert routes - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routes == set(), "documented paths without a route"


def test_every_reference_resolves():
    doc = document()
    text = repr(doc)
    for name in re.findall(r"#/components/schemas/(\w+)", text):
        assert name in doc["components"]["schemas"], name


async def test_openapi_json_is_served(client):
    response = await client.get("/api/v1/openapi.json")
    assert response.status == 200
    body = await response.json()
    assert body["openapi"].startswith("3.") and "/api/v1/loans/{id}/accept" in body["paths"]
