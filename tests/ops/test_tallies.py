"""node/tallies.py counts as prometheus-client's Counter and Histogram do: the same operations give
the same exposition text, byte for byte."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import values as prometheus_values

from node import tallies

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def both():
    """The same metrics, made by prometheus-client and by tallies (in the same order)."""
    real = CollectorRegistry()
    made = tallies.Tallies()
    pairs = {
        "requests": (
            Counter("q_requests", "Requests.", ["route", "status"], registry=real),
            made.counter("q_requests", "Requests.", ("route", "status")),
        ),
        "plain": (
            Counter("q_plain", "No labels.", registry=real),
            made.counter("q_plain", "No labels."),
        ),
        "unused": (
            Counter("q_unused", "Labelled, never counted.", ["reason"], registry=real),
            made.counter("q_unused", "Labelled, never counted.", ("reason",)),
        ),
        "latency": (
            Histogram("q_latency", "Latency.", ["route"], buckets=BUCKETS, registry=real),
            made.histogram("q_latency", "Latency.", ("route",), BUCKETS),
        ),
        "delivery": (
            Histogram("q_delivery", "Unlabelled latency.", buckets=BUCKETS, registry=real),
            made.histogram("q_delivery", "Unlabelled latency.", (), BUCKETS),
        ),
    }
    mine = CollectorRegistry()
    mine.register(made)
    return pairs, real, mine


@pytest.fixture(autouse=True)
def without_created(monkeypatch):
    # the node disables `_created` series (node/counters.py); so does this comparison
    monkeypatch.setattr(prometheus_values, "ValueClass", prometheus_values.MutexValue)
    import prometheus_client.metrics

    monkeypatch.setattr(prometheus_client.metrics, "_use_created", False)


def test_fresh_metrics_read_the_same():
    _pairs, real, mine = both()
    assert generate_latest(mine) == generate_latest(real)


def test_counted_metrics_read_the_same():
    pairs, real, mine = both()
    for metric in pairs["requests"]:
        metric.labels("/a", 200).inc()
        metric.labels("/a", "200").inc(2)
        metric.labels("/b", 404).inc()
    for metric in pairs["plain"]:
        metric.inc()
        metric.inc(0.5)
    for metric in pairs["latency"]:
        for seconds in (0.001, 0.005, 0.0051, 0.3, 7.0, 11.0, 10.0):
            metric.labels("/a").observe(seconds)
        metric.labels("/b").observe(0.02)
    for metric in pairs["delivery"]:
        metric.observe(0.2)
        metric.observe(42)
    text = generate_latest(mine)
    assert text == generate_latest(real)
    assert b'q_latency_bucket{le="0.005",route="/a"} 2.0' in text
    assert b'q_requests_total{route="/a",status="200"} 3.0' in text


def test_refusals_are_the_libraries():
    made = tallies.Tallies()
    counter = made.counter("q_x", "X.", ("a",))
    with pytest.raises(ValueError):
        counter.labels("one", "two")
    with pytest.raises(ValueError):
        counter.labels("one").inc(-1)
