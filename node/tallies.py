"""Counters and histograms of one process, kept in plain Python and written out by prometheus-client.

A node with one process (the default) needs prometheus-client only when /metrics is read: its
import (with the exposition's HTTP servers, the default registry's process and GC collectors) is
about 1.4 MB resident that an unscraped node would hold from start (bench/README.md, "Memory").
These classes count as prometheus-client's Counter and Histogram do, with the subset of their
interface node/counters.py uses (`labels(...)`, `inc()`, `observe()`); `Tallies.collect()` hands
prometheus-client the same metric families theirs would, so /metrics reads the same text
(tests/ops/test_tallies.py compares them). With several processes (PROMETHEUS_MULTIPROC_DIR)
node/counters.py uses prometheus-client's own classes, which write their values to files.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any


class _Count:
    __slots__ = ("value", "_lock")

    def __init__(self) -> None:
        self.value = 0.0
        self._lock = threading.Lock()

    def inc(self, amount: float = 1) -> None:
        if amount < 0:
            raise ValueError("counters can only be incremented by non-negative amounts")
        with self._lock:
            self.value += amount


class _Spread:
    __slots__ = ("bounds", "counts", "total", "_lock")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0.0] * len(bounds)
        self.total = 0.0
        self._lock = threading.Lock()

    def observe(self, amount: float) -> None:
        with self._lock:
            self.total += amount
            for i, bound in enumerate(self.bounds):
                if amount <= bound:
                    self.counts[i] += 1
                    break


class _Metric:
    """Labelled series by label values, created on first use (unlabelled: one, from the start)."""

    def __init__(self, name: str, documentation: str, labelnames: Iterable[str]) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = tuple(labelnames)
        self._series: dict[tuple[str, ...], Any] = {}
        self._lock = threading.Lock()
        if not self.labelnames:
            self._series[()] = self._new()

    def _new(self) -> Any:
        raise NotImplementedError

    def labels(self, *values: Any) -> Any:
        if len(values) != len(self.labelnames):
            raise ValueError(f"{self.name}: expected labels {self.labelnames}, got {values}")
        key = tuple(str(v) for v in values)
        found = self._series.get(key)
        if found is None:
            with self._lock:
                found = self._series.setdefault(key, self._new())
        return found

    def series(self) -> list[tuple[tuple[str, ...], Any]]:
        with self._lock:
            return list(self._series.items())


class Counter(_Metric):
    def _new(self) -> _Count:
        return _Count()

    def inc(self, amount: float = 1) -> None:
        self.labels().inc(amount)

    def family(self) -> Any:
        from prometheus_client.core import CounterMetricFamily

        family = CounterMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for key, count in self.series():
            family.add_metric(list(key), count.value)
        return family


class Histogram(_Metric):
    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Iterable[str] = (),
        buckets: Sequence[float] = (),
    ) -> None:
        bounds = tuple(float(b) for b in buckets)
        if not bounds or bounds[-1] != math.inf:
            bounds += (math.inf,)
        self.bounds = bounds
        super().__init__(name, documentation, labelnames)

    def _new(self) -> _Spread:
        return _Spread(self.bounds)

    def observe(self, amount: float) -> None:
        self.labels().observe(amount)

    def family(self) -> Any:
        from prometheus_client.core import HistogramMetricFamily
        from prometheus_client.utils import floatToGoString

        family = HistogramMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for key, spread in self.series():
            with spread._lock:
                counts, total = list(spread.counts), spread.total
            cumulative, buckets = 0.0, []
            for bound, n in zip(spread.bounds, counts, strict=True):
                cumulative += n
                buckets.append((floatToGoString(bound), cumulative))
            family.add_metric(list(key), buckets, total)
        return family


class Tallies:
    """The metrics of this process, in the order they were made; a prometheus-client collector."""

    def __init__(self) -> None:
        self.metrics: list[Counter | Histogram] = []

    def counter(self, name: str, documentation: str, labelnames: Iterable[str] = ()) -> Counter:
        metric = Counter(name, documentation, labelnames)
        self.metrics.append(metric)
        return metric

    def histogram(
        self,
        name: str,
        documentation: str,
        labelnames: Iterable[str] = (),
        buckets: Sequence[float] = (),
    ) -> Histogram:
        metric = Histogram(name, documentation, labelnames, buckets)
        self.metrics.append(metric)
        return metric

    def collect(self) -> Iterator[Any]:
        for metric in self.metrics:
            yield metric.family()
