"""/metrics in the Prometheus text format, and the middleware that counts every request.

Readable from loopback (a Prometheus beside the node) or with an admin's API token
(`Authorization: Bearer …`); anyone else gets a 404, as if there were nothing there. A request that
came through a reverse proxy (X-Forwarded-For, Forwarded, X-Real-IP) is not loopback, even when
the proxy itself connects from 127.0.0.1.

Requests are labelled by their route's pattern (`/@{handle}/inbox`), never by the raw path, so the
number of series stays bounded whatever clients ask for. prometheus-client itself is loaded by the
first scrape (node/tallies.py).
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from node import counters, figures
from node.appkeys import node_key, resident_key

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def route_of(request: web.Request) -> str:
    """The pattern of the route that answered ("unmatched" for none): a bounded label."""
    info = request.match_info
    resource = info.route.resource if info is not None and info.route is not None else None
    if resource is None:
        return "unmatched"
    return resource.canonical


# (route, method, status) → the series it counts in: `labels()` validates and locks on each call,
# a dict lookup does not. Bounded as the labels are (route patterns × methods × statuses).
_series: dict[tuple[str, str, int], tuple] = {}


def count(request: web.Request, status: int, seconds: float) -> None:
    """Count one answered request and its latency."""
    key = (route_of(request), request.method, status)
    series = _series.get(key)
    if series is None:
        route, method = key[0], key[1]
        series = _series[key] = (
            counters.http_requests.labels(route, method, str(status)),
            counters.http_latency.labels(route, method),
        )
    series[0].inc()
    series[1].observe(seconds)


@web.middleware
async def count_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        count(request, status, time.perf_counter() - started)


def _loopback(request: web.Request) -> bool:
    if any(name in request.headers for name in FORWARDING_HEADERS):
        return False
    # the transport's peer, not request.remote (which a trusted proxy's header may have replaced)
    peer = request.transport.get_extra_info("peername") if request.transport else None
    host = peer[0] if isinstance(peer, tuple) and peer else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def may_read(request: web.Request) -> bool:
    resident = request.get(resident_key)
    if resident is not None and getattr(resident, "role", "") == "admin":
        return True
    return _loopback(request)


class _Prefetched:
    """A collector of figures read from the database before the exposition is written."""

    def __init__(self, found: figures.Figures) -> None:
        self.found = found

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        found = self.found
        depth = GaugeMetricFamily(
            "quartier_queue_depth",
            "Rows of a durable queue by state (inbox, delivery, mail).",
            labels=["queue", "state"],
        )
        for queue, states in found.queues.items():
            for state, n in states.items():
                depth.add_metric([queue, state], n)
        yield depth
        hosts = GaugeMetricFamily(
            "quartier_delivery_host_failures",
            f"Deliveries waiting for a retry, by remote host (the {figures.FAILING_HOSTS_SHOWN} "
            "worst hosts).",
            labels=["host"],
        )
        for host, n in found.failing_hosts.items():
            hosts.add_metric([host], n)
        yield hosts
        yield GaugeMetricFamily(
            "quartier_hosts_unavailable",
            "Remote hosts marked unavailable after failing on several days.",
            value=found.hosts_unavailable,
        )
        active = GaugeMetricFamily(
            "quartier_active_residents",
            "Local residents seen logged in within the window.",
            labels=["window"],
        )
        for window, n in found.active_residents.items():
            active.add_metric([window], n)
        yield active
        yield GaugeMetricFamily(
            "quartier_residents", "Local residents (accounts not deleted).", value=found.residents
        )


def exposition(found: figures.Figures) -> bytes:
    """The whole text: counters of every process (multiprocess mode) or this one, then the figures."""
    from prometheus_client import CollectorRegistry, generate_latest

    counted = generate_latest(counters.registry())
    read = CollectorRegistry()
    read.register(_Prefetched(found))
    return counted + generate_latest(read)


async def metrics(request: web.Request) -> web.Response:
    if not may_read(request):
        raise web.HTTPNotFound()
    node = request.app[node_key]
    found = await node.db.run(figures.read)
    body = exposition(found)
    from prometheus_client import CONTENT_TYPE_LATEST

    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


ROUTES = [("GET", "/metrics", metrics, "metrics")]
