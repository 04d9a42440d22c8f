"""Health: /livez (the process answers) and /readyz, /healthz (the database answers, on a connection
of its own within a time budget). None of them waits behind the database threads' queue."""

from __future__ import annotations

from aiohttp import web

from node.appkeys import node_key

READY_BUDGET_SECONDS = 3.0


async def livez(request: web.Request) -> web.Response:
    """Liveness: 200 while the event loop serves requests; touches no database (Docker HEALTHCHECK,
    an orchestrator's liveness probe: failing it means restart)."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Readiness: 200 when the database answers a fresh connection within the budget, else 503
    (an orchestrator's readiness probe: failing it means no traffic, not a restart)."""
    node = request.app[node_key]
    if await node.db.ready(READY_BUDGET_SECONDS):
        return web.json_response({"status": "ok", "database": "ok"})
    return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)


ROUTES = [
    ("GET", "/livez", livez, "livez"),
    ("GET", "/readyz", readyz, "readyz"),
    # the documented contract since the first release: 200 when the database is reachable
    ("GET", "/healthz", readyz, "healthz"),
]
