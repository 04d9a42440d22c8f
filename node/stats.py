"""`quartier admin stats`: the figures of /metrics and of the admin charts, for a terminal.

Reads the database (queues, failing hosts, residents, the last 24 h of samples); when
PROMETHEUS_MULTIPROC_DIR is set (the compose layout), the request and delivery counters of every
process too.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json

from node import counters, figures, migrations, samples
from node.queue import utcnow
from node.runtime import make_node
from node.settings import Settings

DAY = dt.timedelta(hours=24)


def _read() -> tuple[figures.Figures, dict[str, list]]:
    now = utcnow()
    return figures.read(now), samples.series(now - DAY)


def counted() -> dict[str, dict[str, float]]:
    """Counter totals by label set, from the multiprocess directory ({} without one)."""
    if not counters.MULTIPROCESS:
        return {}
    from prometheus_client import CollectorRegistry, multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    found: dict[str, dict[str, float]] = {}
    for family in registry.collect():
        for sample in family.samples:
            if not sample.name.endswith("_total"):
                continue
            key = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items())) or "all"
            found.setdefault(sample.name, {})[key] = sample.value
    return found


def gather(settings: Settings) -> dict:
    async def run() -> tuple[figures.Figures, dict[str, list]]:
        node = make_node(settings)
        try:
            await node.db.run(migrations.apply, node.db.peewee)
            return await node.db.run(_read)
        finally:
            node.db.close()

    found, series = asyncio.run(run())
    day = {}
    for name, points in series.items():
        values = [v for _, v in points]
        day[name] = {
            "samples": len(values),
            "last": values[-1] if values else None,
            "max": max(values) if values else None,
            "sum": sum(values) if values else None,
        }
    return {"figures": found.as_dict(), "last_24h": day, "counters": counted()}


def as_text(data: dict) -> str:
    f = data["figures"]
    q = f["queues"]
    lines = [f"Quartier figures at {f['taken_at']}", "", "Queues:"]
    for name, states in q.items():
        lines.append(f"  {name:<9} " + ", ".join(f"{n} {state}" for state, n in states.items()))
    lines += [
        "",
        f"Inbox: {f['inbox_received_last_hour']} activities received in the last hour",
        f"Deliveries retrying: {f['deliveries_retrying']}; "
        f"hosts unavailable: {f['hosts_unavailable']}",
    ]
    if f["failing_hosts"]:
        worst = ", ".join(f"{host} ({n})" for host, n in f["failing_hosts"].items())
        lines.append(f"  failing hosts: {worst}")
    active = f["active_residents"]
    lines += [
        f"Residents: {f['residents']}; active in 1 day: {active.get('1d', 0)}, "
        f"in 30 days: {active.get('30d', 0)}",
        "",
        "Last 24 h (samples every 5 minutes):",
    ]
    for name, day in data["last_24h"].items():
        if not day["samples"]:
            lines.append(f"  {name:<18} no samples yet")
            continue
        total = f", total {day['sum']:g}" if name == "inbox_received" else ""
        lines.append(f"  {name:<18} now {day['last']:g}, max {day['max']:g}{total}")
    for name, values in data["counters"].items():
        lines.append("")
        lines.append(f"{name} (all processes since start):")
        for labels, value in sorted(values.items()):
            lines.append(f"  {labels}: {value:g}")
    return "\n".join(lines)


def print_stats(settings: Settings, as_json: bool) -> None:
    data = gather(settings)
    print(json.dumps(data, indent=2, sort_keys=True) if as_json else as_text(data))
