"""The node's Prometheus counters and histograms, counted where things happen.

A leaf utility: any layer may count here; nothing here imports the node but node.tallies. Figures that live in the
database (queue depths, failing hosts, active residents) are not counted but read at scrape time
(node/figures.py), so they are right whichever process answers the scrape.

Several processes: when PROMETHEUS_MULTIPROC_DIR is set before the first import (``quartier serve
--processes N`` sets it for its children; the compose file shares one directory between the serve
and worker containers), every process writes its values to files there through prometheus-client
and /metrics adds them up. With one process they are plain counters (node/tallies.py) and
prometheus-client is loaded by the first scrape.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from node.tallies import Tallies

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

if MULTIPROCESS:
    from prometheus_client import (
        CollectorRegistry,
        Counter,
        Histogram,
        disable_created_metrics,
        values,
    )

    # Files are named after the process: with containers sharing one directory (compose), pids
    # repeat from one container to the next, so the host name (the container's) is part of it.
    # Counters and histograms only: no gauge here needs a per-process mode.
    values.ValueClass = values.MultiProcessValue(
        lambda: f"{socket.gethostname().replace('_', '-')}-{os.getpid()}"
    )
    disable_created_metrics()  # no `_created` series beside each counter: half the series

    # The values live in files, not in a registry: a private registry keeps them off the
    # default one (whose process metrics would describe only the answering process).
    REGISTRY = CollectorRegistry(auto_describe=True)
    TALLIES = None

    def _counter(name: str, documentation: str, labels: tuple[str, ...] = ()) -> Any:
        return Counter(name, documentation, labels, registry=REGISTRY)

    def _histogram(name: str, documentation: str, labels: tuple[str, ...] = ()) -> Any:
        return Histogram(name, documentation, labels, buckets=LATENCY_BUCKETS, registry=REGISTRY)

else:
    # One process: plain counters, written out through prometheus-client only when /metrics is
    # read (node/tallies.py; the same text, without the library loaded at start).
    REGISTRY = None
    TALLIES = Tallies()

    def _counter(name: str, documentation: str, labels: tuple[str, ...] = ()) -> Any:
        return TALLIES.counter(name, documentation, labels)

    def _histogram(name: str, documentation: str, labels: tuple[str, ...] = ()) -> Any:
        return TALLIES.histogram(name, documentation, labels, LATENCY_BUCKETS)


http_requests = _counter(
    "quartier_http_requests",
    "HTTP requests answered, by route pattern, method and status.",
    ("route", "method", "status"),
)
http_latency = _histogram(
    "quartier_http_request_duration_seconds",
    "Time to answer an HTTP request, by route pattern and method.",
    ("route", "method"),
)
inbox_received = _counter(
    "quartier_inbox_received",
    "Signed activities accepted by the inbox (202), by result: stored, duplicate or blocked.",
    ("result",),
)
inbox_refused = _counter(
    "quartier_inbox_refused",
    "Activities refused by the inbox, by reason.",
    ("reason",),
)
delivery_attempts = _counter(
    "quartier_delivery_attempts",
    "Deliveries attempted, by result: sent, retry, failed (given up) or dropped.",
    ("result",),
)
delivery_latency = _histogram(
    "quartier_delivery_duration_seconds",
    "Time of one delivery POST to a remote inbox (both signature schemes when knocked twice).",
)


def registry() -> Any:
    """A prometheus-client registry holding this process's counters (multiprocess: every
    process's, read from their files), for the exposition."""
    from prometheus_client import CollectorRegistry

    found = CollectorRegistry()
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(found)
    else:
        found.register(TALLIES)
    return found


# Refusal reasons are bounded: each known refusal maps to one of these, anything else to its class.
# (the more specific text first)
REFUSAL_REASONS = (
    ("request is not signed", "unsigned"),
    ("this node federates only with", "not_allowed"),
    ("the signing key does not belong", "key_mismatch"),
    ("signing key", "key_unavailable"),
    ("is not on the actor's origin", "origin"),
    ("body larger than", "too_large"),
    ("body is not JSON", "malformed"),
    ("activity must be", "malformed"),
    ("activity needs", "malformed"),
)
STATUS_REASONS = {400: "malformed", 401: "signature", 403: "forbidden", 413: "too_large"}


def refusal_reason(status: int, reason: str) -> str:
    """The bounded label of an inbox refusal (the free text stays in the logs)."""
    for text, label in REFUSAL_REASONS:
        if text in reason:
            return label
    return STATUS_REASONS.get(status, "other")


# result/reason → its series: `labels()` validates and locks on each call (the inbox's hot path)
_inbox_series: dict[tuple[bool, str], Any] = {}


def count_received(result: str) -> None:
    """One activity answered 202: stored, duplicate or blocked."""
    _inbox_count(True, result)


def count_refused(reason: str) -> None:
    """One activity refused, by the bounded reason of refusal_reason."""
    _inbox_count(False, reason)


def _inbox_count(received: bool, label: str) -> None:
    series = _inbox_series.get((received, label))
    if series is None:
        metric = inbox_received if received else inbox_refused
        series = _inbox_series[(received, label)] = metric.labels(label)
    series.inc()
