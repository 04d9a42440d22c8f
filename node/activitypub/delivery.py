"""Durable delivery: claim due rows, sign at send time, POST, classify, retry or give up."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email.utils
import logging
import time
from typing import Any

from node import counters
from node.activitypub import actors, trust
from node.activitypub.http import FetchError
from node.activitypub.models import Delivery, DomainBlock, HostState
from node.activitypub.sign_pool import sign_headers
from node.activitypub.vocab import ACTIVITY_JSON
from node.batcher import Batcher
from node.local.models import utcnow
from node.queue import LostClaim, Queue, claim, release, release_many
from node.runtime import Node

log = logging.getLogger("quartier.delivery")

BATCH = 50
# POSTs in flight to one host at once. Ten personal inboxes on one server then share a few
# kept-alive connections instead of opening ten (a handshake on both sides each), and a small
# server is not hit by a whole batch at once. The wait for a slot is outside the request's timeout.
PER_HOST = 4
# The worker's step: POSTs in flight at once, and for how long it tops up its claims. More than
# BATCH: claims go in id order, so a server's inboxes come one after the other, and of those
# only PER_HOST are on the wire while the others wait for their turn.
STEP_IN_FLIGHT = 200
STEP_SECONDS = 2.0
MAX_RETRY_AFTER = dt.timedelta(hours=24)
# Outcomes recorded back to back wait this long to share a transaction (node.db.Batcher): a
# post to 1,000 inboxes then commits them in a few dozen transactions instead of ~100.
FINISH_LINGER = 0.005
SCHEMES = ("cavage", "rfc9421")


def backoff(attempts: int) -> dt.timedelta:
    """Mastodon's schedule without jitter: attempts**4 + 15 seconds (16 tries ≈ 2 days)."""
    return dt.timedelta(seconds=attempts**4 + 15)


def retry_after(value: str | None, now: dt.datetime) -> dt.timedelta | None:
    """Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3), capped at a day."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        delay = dt.timedelta(seconds=int(value))
    else:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        delay = moment.astimezone(dt.UTC).replace(tzinfo=None) - now
    return max(dt.timedelta(0), min(delay, MAX_RETRY_AFTER))


def classify(status: int) -> str:
    """sent | dropped | retry (Mastodon's response_error_unsalvageable?, FEDERATION-NOTES §8)."""
    if 200 <= status < 300:
        return "sent"
    if status == 501 or (400 <= status < 500 and status not in (401, 408, 429)):
        return "dropped"
    return "retry"


# what a send needs of its row (building a model of every column was most of a claim's CPU;
# created_at is read only for a retry, which asks whether to give up: parsing 1,000 dates on
# SQLite was a tenth of a claim)
_READ = (
    Delivery.id,
    Delivery.inbox,
    Delivery.host,
    Delivery.body,
    Delivery.signer,
    Delivery.attempts,
)


def _claim(node: Node, now: dt.datetime, limit: int) -> list[dict[str, Any]]:
    """Mark due rows as sending under this worker's lease and return them (node.queue)."""
    rows = claim(QUEUE, node.claims, now, limit, node.db.is_postgres, _READ, claimed_at=now)
    if not rows:
        return []
    hosts = sorted({r["host"] for r in rows})
    states = {
        host: (scheme, unavailable)
        for host, scheme, unavailable in HostState.select(
            HostState.host, HostState.scheme, HostState.unavailable_since
        )
        .where(HostState.host.in_(hosts))
        .tuples()
    }
    blocked = {
        h
        for (h,) in DomainBlock.select(DomainBlock.host).where(DomainBlock.host.in_(hosts)).tuples()
    }
    blocked |= trust.not_allowed(hosts)  # allow-list mode: only the hosts the admins list
    for r in rows:
        scheme, unavailable = states.get(r["host"], ("cavage", None))
        r["body"] = bytes(r["body"])
        r["scheme"] = scheme
        r["skip"] = r["host"] in blocked or unavailable is not None
    return rows


# pending → sending (claimed, leased) → sent | dropped | failed, or pending again after a backoff
QUEUE = Queue(Delivery, waiting="pending", working="sending", dead="failed", backoff=backoff)


def _record_host(
    host: str,
    ok: bool,
    now: dt.datetime,
    scheme: str | None,
    days: int,
    known: dict[str, HostState] | None = None,
) -> None:
    """What a delivery taught us about its host; `known` caches the rows within one batch, and
    a row is written only when it changes (a success on a healthy host writes nothing)."""
    state = known.get(host) if known is not None else None
    if state is None:
        state, _ = HostState.get_or_create(host=host)
        if known is not None:
            known[host] = state
    before = (state.failure_days, state.unavailable_since, state.scheme)
    if ok:
        state.failure_days = ""
        state.unavailable_since = None
        if scheme:
            state.scheme = scheme
    else:
        seen = set(filter(None, state.failure_days.split(",")))
        seen.add(now.date().isoformat())
        state.failure_days = ",".join(sorted(seen)[-30:])
        # Mastodon's DeliveryFailureTracker: unavailable after failures on N distinct days.
        if len(seen) >= days and state.unavailable_since is None:
            state.unavailable_since = now
    if (state.failure_days, state.unavailable_since, state.scheme) != before:
        state.save()


def _outcome(
    node: Node,
    item: dict,
    outcome: str,
    status: int | None,
    error: str,
    wait: Any,
    known: dict[str, HostState] | None = None,
    note_host: bool = True,
) -> tuple[dict[str, Any], str]:
    """The row's new values and the result as counted: the outcome, or "failed" for a retry
    given up. Notes the host's health on the way (unless the caller does it for a batch)."""
    now = utcnow()
    values: dict[str, Any] = {"last_status": status, "last_error": error[:500], "claimed_at": None}
    attempts = item["attempts"] + 1
    if outcome == "retry":
        created = item.get("created_at")
        if created is None:
            created = Delivery.select(Delivery.created_at).where(Delivery.id == item["id"]).scalar()
        give_up = now - created > dt.timedelta(days=node.settings.delivery_max_days)
        values.update(QUEUE.retried(attempts, now, dead=give_up, wait=wait))
        counted = "failed" if give_up else "retry"
        _record_host(item["host"], False, now, None, node.settings.unavailable_after_days, known)
    else:
        counted = outcome
        values.update(state=outcome, attempts=attempts)
        if outcome == "sent" and note_host:
            _record_host(item["host"], True, now, item.get("used_scheme"), 0, known)
    return values, counted


def _finish(node: Node, item: dict, outcome: str, status: int | None, error: str, wait: Any) -> str:
    """Record the outcome and let the row go; LostClaim if another worker took it over.
    Returns the result as counted: the outcome, or "failed" for a retry given up."""
    values, counted = _outcome(node, item, outcome, status, error, wait)
    release(QUEUE, node.claims, item["id"], **values)
    return counted


def _finish_many(batch: list[tuple]) -> list[str]:
    """`_finish` for the outcomes of many deliveries in one transaction (group commit, as the
    inbox does): one UPDATE per distinct outcome, and the hosts' health in one statement when
    all their deliveries of the batch went through. If any claim was lost, the Batcher rolls
    back and runs them one by one, so only that one fails."""
    # Hosts with a failure in the batch: their state is read and written in order (_record_host);
    # the others are marked healthy by one upsert that changes only the rows that differ.
    failing = sorted({item["host"] for _, item, outcome, *_ in batch if outcome == "retry"})
    known: dict[str, HostState] = {}
    if failing:
        known = {s.host: s for s in HostState.select().where(HostState.host.in_(failing))}
    if len(known) < len(failing):
        new = [h for h in failing if h not in known]
        HostState.insert_many([{"host": h} for h in new]).on_conflict_ignore().execute()
        known.update((s.host, s) for s in HostState.select().where(HostState.host.in_(new)))
    healthy: dict[str, str] = {}
    rows, counted = [], []
    for node, item, *outcome in batch:
        if outcome[0] == "sent" and item.get("used_scheme") and item["host"] not in known:
            healthy[item["host"]] = item["used_scheme"]
            values, result = _outcome(node, item, *outcome, known=known, note_host=False)
        else:
            values, result = _outcome(node, item, *outcome, known=known)
        rows.append((item["id"], values))
        counted.append(result)
    if healthy:
        _healthy(healthy)
    release_many(QUEUE, batch[0][0].claims, rows)
    return counted


def _healthy(hosts: dict[str, str]) -> None:
    """Hosts that answered 2xx with the scheme used: failures forgotten, in one statement that
    writes only the rows that change (a success on a healthy host writes nothing)."""
    db = HostState._meta.database
    table, p = HostState._meta.table_name, db.param
    db.execute_sql(
        f"INSERT INTO {table} AS h (host, failure_days, unavailable_since, scheme) VALUES "
        + ", ".join([f"({p}, '', NULL, {p})"] * len(hosts))
        + " ON CONFLICT (host) DO UPDATE SET failure_days = '', unavailable_since = NULL, "
        "scheme = excluded.scheme WHERE h.failure_days != '' OR h.unavailable_since IS NOT NULL "
        "OR h.scheme != excluded.scheme",
        [v for host, scheme in sorted(hosts.items()) for v in (host, scheme)],
    )


def _finisher(node: Node) -> Batcher:
    found = node.inbox_batchers
    if found is None:
        found = node.inbox_batchers = {}
    if "delivery" not in found:
        found["delivery"] = Batcher(node.db, _finish_many, linger=FINISH_LINGER)
    return found["delivery"]


def _sign_hook(node: Node, signer: str, scheme: str):
    key = actors.private_key(node, signer)
    kid = actors.key_id(node, signer)
    pool = node.signers
    if pool is not None and pool.processes:

        async def sign_away(method: str, url: str, headers: Any, body: bytes | None) -> Any:
            # on another core when a helper runs (sign_pool), the same headers either way
            now = dt.datetime.now(dt.UTC)
            return await pool.sign(key, kid, scheme, method, url, headers, body, now)

        return sign_away

    def sign(method: str, url: str, headers: Any, body: bytes | None) -> Any:
        return sign_headers(key, kid, scheme, method, url, headers, body, dt.datetime.now(dt.UTC))

    return sign


async def _post(node: Node, item: dict, scheme: str) -> Any:
    if item["signer"] not in node.keys.private:
        await node.db.run(actors.private_key, node, item["signer"])
    sign = _sign_hook(node, item["signer"], scheme)
    headers = {"Content-Type": ACTIVITY_JSON}
    return await node.http.post(item["inbox"], headers, item["body"], sign=sign)


async def send(node: Node, item: dict, slot: asyncio.Semaphore | None = None) -> None:
    """POST one claimed delivery and record the outcome; the claim is let go either way.
    `slot` is its host's share of the batch's connections (PER_HOST), held for the POST only:
    the next delivery to the host goes out while this outcome waits for its group commit."""
    try:
        async with slot or contextlib.nullcontext():
            outcome = await _send(node, item)
        counted = await _finisher(node).submit((node, item, *outcome))
        counters.delivery_attempts.labels(counted).inc()
    except LostClaim:
        log.info("delivery %s was taken over by another worker", item["id"])
    except Exception:
        node.claims.forget(QUEUE, [item["id"]])  # its lease runs out and it is retried
        raise
    node.claims.forget(QUEUE, [item["id"]])


async def _send(node: Node, item: dict) -> tuple[str, int | None, str, Any]:
    """POST; on 401 knock once more with the other signature scheme. Returns the outcome,
    the status, the error and the Retry-After wait, for `_finish_many`."""
    if item["skip"]:
        return "dropped", None, "host unavailable", None
    first = item["scheme"] if item["scheme"] in SCHEMES else "cavage"
    started = time.perf_counter()
    try:
        resp = await _post(node, item, first)
        item["used_scheme"] = first
        if resp.status == 401:
            # Double-knocking (SWICG): the peer may accept only the other scheme.
            other = SCHEMES[1] if first == SCHEMES[0] else SCHEMES[0]
            second = await _post(node, item, other)
            if second.status != 401:
                resp, item["used_scheme"] = second, other
    except FetchError as exc:
        counters.delivery_latency.observe(time.perf_counter() - started)
        return "retry", None, str(exc), None
    counters.delivery_latency.observe(time.perf_counter() - started)
    outcome = classify(resp.status)
    wait = retry_after(resp.headers.get("Retry-After"), utcnow()) if outcome == "retry" else None
    error = "" if outcome == "sent" else resp.body[:200].decode("utf-8", "replace")
    return outcome, resp.status, error, wait


async def _take(node: Node, limit: int) -> list[dict[str, Any]]:
    """Claim up to `limit` due rows (a short transaction of its own) and get their keys ready."""
    items = await node.db.atomic(_claim, node, utcnow(), limit)
    if not items:
        return []
    # a key rotated by another process (the CLI) must be used from now on
    await node.db.run(actors.forget_rotated_keys, node, {item["signer"] for item in items})
    node.claims.hold(QUEUE, [item["id"] for item in items])  # the heartbeat renews their lease
    for signer in {item["signer"] for item in items} - set(node.keys.private):
        await node.db.run(actors.private_key, node, signer)  # once, not once per delivery
    return items


async def run_once(node: Node, limit: int = BATCH, seconds: float = 0.0) -> int:
    """Send due deliveries, `limit` at most at once; returns how many were attempted.

    Claims `limit` rows and sends them concurrently. For `seconds` after the start it claims
    more whenever half of them are done, so a post to a thousand inboxes flows without a pause
    at the end of each batch (waiting for its slowest host, then a claim). Every row is claimed
    in the database before it is sent, whatever the batch."""
    if node.http is None:
        return 0
    started = time.monotonic()
    slots: dict[str, asyncio.Semaphore] = {}
    running: set[asyncio.Future] = set()
    failures: list[BaseException] = []
    wake = asyncio.Event()

    def done(task: asyncio.Future) -> None:
        running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            failures.append(task.exception())
        wake.set()

    attempted = 0
    more = True
    try:
        while True:
            if more and len(running) <= limit // 2:
                try:
                    items = await _take(node, limit - len(running))
                except Exception as exc:  # noqa: BLE001 - raised once the running ones are done
                    failures.append(exc)
                    items = []
                attempted += len(items)
                more = bool(items) and time.monotonic() - started < seconds
                for item in items:
                    slot = slots.setdefault(item["host"], asyncio.Semaphore(PER_HOST))
                    task = asyncio.ensure_future(send(node, item, slot))
                    running.add(task)
                    task.add_done_callback(done)
            if not running:
                break
            wake.clear()
            await wake.wait()
    except BaseException:
        for task in list(running):  # cancelled (shutdown): their claims are given back at exit
            task.cancel()
        raise
    if failures:  # raised once all are done, as gather did
        raise failures[0]
    return attempted


async def step(node: Node) -> int:
    """The worker's delivery step: up to STEP_IN_FLIGHT at once, claiming more for a second
    or two, then the other steps (inbox, mail) get their turn."""
    return await run_once(node, STEP_IN_FLIGHT, STEP_SECONDS)


def _prune(now: dt.datetime) -> int:
    sent = (Delivery.state.in_(["sent", "dropped"])) & (
        Delivery.created_at < now - dt.timedelta(days=3)
    )
    failed = (Delivery.state == "failed") & (Delivery.created_at < now - dt.timedelta(days=7))
    return Delivery.delete().where(sent | failed).execute()


async def prune(node: Node) -> int:
    """Forget old sent and failed deliveries (a step of the same loop, not a cron job)."""
    await node.db.run(_prune, utcnow())
    return 0  # pruning is never "work done" that should keep drain() looping
