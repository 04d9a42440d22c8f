"""The node's main figures read from the database: queue depths, failing hosts, active residents.

Read at scrape time by /metrics, printed by `quartier admin stats` and sampled every few minutes for
the admin charts (node/samples.py). Rows are the truth, so the figures are the same whichever
process reads them. `read()` runs on a database thread.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

import peewee as pw

from node.activitypub.models import Delivery, HostState, InboxItem
from node.local.accounts.sessions import LoginSession
from node.local.models import OutgoingMail, Resident
from node.queue import utcnow

FAILING_HOSTS_SHOWN = 20  # per-host labels are bounded: the worst hosts only


@dataclass
class Figures:
    taken_at: dt.datetime
    # queue → state → rows
    queues: dict[str, dict[str, int]] = field(default_factory=dict)
    inbox_received_last_hour: int = 0
    failing_hosts: dict[str, int] = field(default_factory=dict)  # host → deliveries retrying
    deliveries_retrying: int = 0  # all hosts
    hosts_unavailable: int = 0
    residents: int = 0
    active_residents: dict[str, int] = field(default_factory=dict)  # window → residents

    def waiting(self, queue: str) -> int:
        """Rows of `queue` not done yet (waiting or being worked on)."""
        states = self.queues.get(queue, {})
        return sum(n for state, n in states.items() if state in WAITING[queue])

    def as_dict(self) -> dict:
        data = asdict(self)
        data["taken_at"] = self.taken_at.isoformat(timespec="seconds") + "Z"
        return data


WAITING = {
    "inbox": ("received",),
    "delivery": ("pending", "sending"),
    "mail": ("pending",),
}
WINDOWS = {"1d": dt.timedelta(days=1), "30d": dt.timedelta(days=30)}


def _by_state(model: type[pw.Model], states: tuple[str, ...]) -> dict[str, int]:
    counts = {state: 0 for state in states}
    query = (
        model.select(model.state, pw.fn.COUNT(model.id).alias("n"))
        .where(model.state.in_(list(states)))
        .group_by(model.state)
    )
    for row in query:
        counts[row.state] = row.n
    return counts


def read(now: dt.datetime | None = None) -> Figures:
    now = now or utcnow()
    figures = Figures(taken_at=now)
    # the finished states (processed, sent…) are pruned and unbounded: only the ones to watch
    figures.queues = {
        "inbox": _by_state(InboxItem, ("received", "failed")),
        "delivery": _by_state(Delivery, ("pending", "sending", "failed")),
        "mail": _by_state(OutgoingMail, ("pending", "failed")),
    }
    figures.inbox_received_last_hour = (
        InboxItem.select().where(InboxItem.received_at > now - dt.timedelta(hours=1)).count()
    )
    retrying = (Delivery.state == "pending") & (Delivery.attempts > 0)
    figures.deliveries_retrying = Delivery.select().where(retrying).count()
    failing = (
        Delivery.select(Delivery.host, pw.fn.COUNT(Delivery.id).alias("n"))
        .where(retrying)
        .group_by(Delivery.host)
        .order_by(pw.fn.COUNT(Delivery.id).desc(), Delivery.host)
        .limit(FAILING_HOSTS_SHOWN)
    )
    figures.failing_hosts = {row.host: row.n for row in failing}
    figures.hosts_unavailable = (
        HostState.select().where(HostState.unavailable_since.is_null(False)).count()
    )
    local = (Resident.host == "") & Resident.deleted_at.is_null()
    figures.residents = Resident.select().where(local).count()
    for window, span in WINDOWS.items():
        figures.active_residents[window] = (
            LoginSession.select(pw.fn.COUNT(LoginSession.resident.distinct()))
            .where(LoginSession.last_seen_at > now - span)
            .scalar()
            or 0
        )
    return figures
