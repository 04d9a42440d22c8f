"""Health check (and, with the protocol layer, /.well-known documents)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from node.appkeys import node_key


async def healthz(request: web.Request) -> web.Response:
    """200 when the database answers, 503 otherwise (Docker HEALTHCHECK, load balancers)."""
    node = request.app[node_key]
    try:
        ok = await asyncio.wait_for(node.db.run(node.db.ping), timeout=5)
    except Exception:  # noqa: BLE001 - connecting is part of the check: any failure is "unreachable"
        ok = False
    if ok:
        return web.json_response({"status": "ok"})
    return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)


ROUTES = [("GET", "/healthz", healthz, "healthz")]
