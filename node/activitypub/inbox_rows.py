"""The inbox's database work, one statement per batch of requests (group commit, node.db.Batcher).

Raw SQL: building these queries through peewee cost more than running them (bench/inbox.py,
profiled). Both functions run on a database thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from node.activitypub import trust
from node.activitypub.audience import host_of
from node.activitypub.models import DomainBlock, HostState, InboxItem, RemoteActor
from node.local.models import utcnow


@dataclass
class Gate:
    """What the database says of a batch's hosts and keys right now."""

    blocked: set[str] = field(default_factory=set)
    outside: set[str] = field(default_factory=set)  # not on the allow-list, when it is on
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)  # key id → (owner, PEM)
    failing: set[str] = field(default_factory=set)  # of the hosts asked about, those in failure

    def refused(self, key_host: str, actor_host: str) -> str | None:
        if key_host in self.outside or actor_host in self.outside:
            return "outside"
        return "blocked" if key_host in self.blocked or actor_host in self.blocked else None


def _gate_sql(n_hosts: int, n_keys: int, n_failing: int, param: str) -> str:
    """Blocks, the allow-list and its mode, the stored keys, the hosts whose deliveries fail:
    rows of (kind, value, owner, PEM, id)."""
    hosts = ", ".join([param] * n_hosts)
    kids = ", ".join([param] * n_keys)
    failing = (
        f"UNION ALL SELECT 'f', host, '', '', 0 FROM {HostState._meta.table_name} "
        f"WHERE host IN ({', '.join([param] * n_failing)}) "
        "AND (failure_days != '' OR unavailable_since IS NOT NULL) "
        if n_failing
        else ""
    )
    return (
        f"SELECT 'b', host, '', '', 0 FROM {DomainBlock._meta.table_name} "
        f"WHERE host IN ({hosts}) "
        f"UNION ALL SELECT 'm', value, '', '', 0 FROM {trust.FederationMode._meta.table_name} "
        f"WHERE name = {param} "
        f"UNION ALL SELECT 'a', host, '', '', 0 FROM {trust.AllowedHost._meta.table_name} "
        f"WHERE host IN ({hosts}) "
        f"UNION ALL SELECT 'k', key_id, uri, public_key_pem, id "
        f"FROM {RemoteActor._meta.table_name} "
        f"WHERE key_id IN ({kids}) AND public_key_pem != '' AND gone = {param} "
        + failing
        + "ORDER BY 5"
    )


def gate(hosts: set[str], kids: set[str], senders: set[str] = frozenset()) -> Gate:
    """One query for the blocks, allow-list and stored keys of many requests, and which of the
    `senders`' hosts are marked as failing."""
    db = RemoteActor._meta.database
    host_list = sorted(h for h in hosts if h) or [""]
    kid_list = sorted(kids) or [""]
    failing_list = sorted(senders)
    sql = _gate_sql(len(host_list), len(kid_list), len(failing_list), db.param)
    params = [*host_list, trust.ALLOW_LIST, *host_list, *kid_list, False, *failing_list]
    found = Gate()
    listed: set[str] = set()
    allow_list = False
    for kind, a, b, pem, _ in db.execute_sql(sql, params).fetchall():
        if kind == "b":
            found.blocked.add(a)
        elif kind == "a":
            listed.add(a)
        elif kind == "m":
            allow_list = a == "on"
        elif kind == "f":
            found.failing.add(a)
        else:
            found.keys.setdefault(a, (b, pem))  # several rows for one key: the oldest
    if allow_list:
        found.outside = {h for h in host_list if h} - listed
    return found


def lookup_many(
    items: list[tuple[str, str, str]],
) -> list[tuple[str | None, tuple[str, str] | None]]:
    """For each (key id, key host, actor host): refused ("outside"/"blocked"/None), stored key."""
    found = gate({h for _, *pair in items for h in pair}, {kid for kid, _, _ in items})
    return [(found.refused(kh, ah), found.keys.get(kid)) for kid, kh, ah in items]


# One request to store: activity id, body, sender, error, and for a request verified with a key
# this process remembered (inbox._remember), (key id, owner, PEM, key host, actor host) to check.
StoreItem = tuple[str, str, str, str, tuple[str, str, str, str, str] | None]


def store_many(items: list[StoreItem]) -> list[str]:
    """Insert the rows in the caller's transaction; for each: stored, duplicate, or for a
    remembered key that the database no longer agrees with, blocked, outside or stale.

    A remembered key saved the lookup before verification; the same checks run here, in the
    transaction that stores the row, so a block or a rotated key applies exactly as before.
    ON CONFLICT DO NOTHING is the dedupe (also inside one batch).
    """
    checked = [item[4] for item in items if item[4] is not None]
    refusals: list[str | None] = [None] * len(items)
    senders = {host_of(item[2]) for item in items}
    failing = senders  # unless the gate below tells which of them are failing
    if checked:
        found = gate(
            {h for *_, kh, ah in checked for h in (kh, ah)}, {kid for kid, *_ in checked}, senders
        )
        failing = found.failing
        for i, (*_, check) in enumerate(items):
            if check is not None:
                kid, owner, pem, key_host, actor_host = check
                refusals[i] = found.refused(key_host, actor_host) or (
                    None if found.keys.get(kid) == (owner, pem) else "stale"
                )
    rows = [item[:4] for item, refused in zip(items, refusals, strict=True) if refused is None]
    new = iter(_insert(rows))
    results = [refused or ("stored" if next(new) else "duplicate") for refused in refusals]
    hosts = {
        host
        for item, result in zip(items, results, strict=True)
        if result == "stored" and (host := host_of(item[2])) in failing
    }
    if hosts:
        db = InboxItem._meta.database
        # A host that talks to us is alive again (Mastodon clears its failure tracker).
        db.execute_sql(
            f"UPDATE {HostState._meta.table_name} SET failure_days = '', unavailable_since = NULL "
            f"WHERE host IN ({', '.join([db.param] * len(hosts))}) "
            "AND (failure_days != '' OR unavailable_since IS NOT NULL)",
            sorted(hosts),
        )
    return results


def _insert(rows: list[tuple[str, str, str, str]]) -> list[bool]:
    """INSERT … ON CONFLICT DO NOTHING; True for each row that is new."""
    if not rows:
        return []
    db = InboxItem._meta.database
    p = db.param
    head = (
        f"INSERT INTO {InboxItem._meta.table_name} "
        "(activity_id, body, sender, state, attempts, error, received_at) VALUES "
    )
    row = f"({p}, {p}, {p}, 'received', 0, {p}, {p})"
    tail = " ON CONFLICT (activity_id) DO NOTHING"
    now = InboxItem.received_at.db_value(utcnow())
    if not (db.returning_clause or db.server_version >= (3, 35)):  # SQLite: its version
        return [
            db.execute_sql(head + row + tail, (aid, body, sender, error, now)).rowcount == 1
            for aid, body, sender, error in rows
        ]
    # One statement per 200 rows; RETURNING (PostgreSQL, SQLite ≥ 3.35) names the new rows.
    stored = []
    for start in range(0, len(rows), 200):
        chunk = rows[start : start + 200]
        params = [v for aid, body, sender, error in chunk for v in (aid, body, sender, error, now)]
        sql = head + ", ".join([row] * len(chunk)) + tail + " RETURNING activity_id"
        new = {aid for (aid,) in db.execute_sql(sql, params).fetchall()}
        for aid, *_ in chunk:
            stored.append(aid in new)
            new.discard(aid)  # a second copy in the same batch is a duplicate
    return stored
