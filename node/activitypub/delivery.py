"""Durable delivery: claim due rows, sign at send time, POST, classify, retry or give up."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import logging
import time
from typing import Any

from node import counters
from node.activitypub import actors, trust
from node.activitypub.http import FetchError
from node.activitypub.models import Delivery, DomainBlock, HostState
from node.activitypub.signatures import sign_request
from node.activitypub.vocab import ACTIVITY_JSON
from node.db import Batcher
from node.local.models import utcnow
from node.queue import LostClaim, Queue, claim, release, release_many
from node.runtime import Node

log = logging.getLogger("quartier.delivery")

BATCH = 50
MAX_RETRY_AFTER = dt.timedelta(hours=24)
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


def _claim(node: Node, now: dt.datetime, limit: int) -> list[dict[str, Any]]:
    """Mark due rows as sending under this worker's lease and return them (node.queue)."""
    rows = claim(QUEUE, node.claims, now, limit, node.db.is_postgres, claimed_at=now)
    if not rows:
        return []
    hosts = {r.host for r in rows}
    states = {h.host: h for h in HostState.select().where(HostState.host.in_(list(hosts)))}
    blocked = {b.host for b in DomainBlock.select().where(DomainBlock.host.in_(list(hosts)))}
    blocked |= trust.not_allowed(hosts)  # allow-list mode: only the hosts the admins list
    out = []
    for r in rows:
        state = states.get(r.host)
        out.append(
            {
                "id": r.id,
                "inbox": r.inbox,
                "host": r.host,
                "body": bytes(r.body),
                "signer": r.signer,
                "attempts": r.attempts,
                "created_at": r.created_at,
                "scheme": state.scheme if state else "cavage",
                "skip": r.host in blocked or (state is not None and state.unavailable_since),
            }
        )
    return out


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
) -> tuple[dict[str, Any], str]:
    """The row's new values and the result as counted: the outcome, or "failed" for a retry
    given up. Notes the host's health on the way."""
    now = utcnow()
    values: dict[str, Any] = {"last_status": status, "last_error": error[:500], "claimed_at": None}
    attempts = item["attempts"] + 1
    if outcome == "retry":
        give_up = now - item["created_at"] > dt.timedelta(days=node.settings.delivery_max_days)
        values.update(QUEUE.retried(attempts, now, dead=give_up, wait=wait))
        counted = "failed" if give_up else "retry"
        _record_host(item["host"], False, now, None, node.settings.unavailable_after_days, known)
    else:
        counted = outcome
        values.update(state=outcome, attempts=attempts)
        if outcome == "sent":
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
    inbox does): HostState read once per host, one UPDATE per distinct outcome. If any claim
    was lost, the Batcher rolls back and runs them one by one, so only that one fails."""
    # every host of the batch read at once (rows created for hosts met for the first time)
    hosts = sorted({item["host"] for _, item, *_ in batch})
    HostState.insert_many([{"host": h} for h in hosts]).on_conflict_ignore().execute()
    known = {s.host: s for s in HostState.select().where(HostState.host.in_(hosts))}
    rows, counted = [], []
    for node, item, *outcome in batch:
        values, result = _outcome(node, item, *outcome, known=known)
        rows.append((item["id"], values))
        counted.append(result)
    release_many(QUEUE, batch[0][0].claims, rows)
    return counted


def _finisher(node: Node) -> Batcher:
    found = node.inbox_batchers
    if found is None:
        found = node.inbox_batchers = {}
    if "delivery" not in found:
        found["delivery"] = Batcher(node.db, _finish_many)
    return found["delivery"]


def _sign_hook(node: Node, signer: str, scheme: str):
    key = actors.private_key(node, signer)
    kid = actors.key_id(node, signer)
    fn = sign_request
    if scheme == "rfc9421":
        # http-message-signatures (and cryptography) load with the first RFC 9421 delivery
        from node.activitypub.rfc9421 import sign_request_rfc9421 as fn

    def sign(method: str, url: str, headers: Any, body: bytes | None) -> Any:
        return fn(key, kid, method, url, headers, body, dt.datetime.now(dt.UTC))

    return sign


async def _post(node: Node, item: dict, scheme: str) -> Any:
    if item["signer"] not in node.keys.private:
        await node.db.run(actors.private_key, node, item["signer"])
    sign = _sign_hook(node, item["signer"], scheme)
    headers = {"Content-Type": ACTIVITY_JSON}
    return await node.http.post(item["inbox"], headers, item["body"], sign=sign)


async def send(node: Node, item: dict) -> None:
    """POST one claimed delivery and record the outcome; the claim is let go either way."""
    try:
        await _send(node, item)
    except LostClaim:
        log.info("delivery %s was taken over by another worker", item["id"])
    except Exception:
        node.claims.forget(QUEUE, [item["id"]])  # its lease runs out and it is retried
        raise
    node.claims.forget(QUEUE, [item["id"]])


async def _send(node: Node, item: dict) -> None:
    """POST; on 401 knock once more with the other signature scheme."""
    if item["skip"]:
        await _finish_counted(node, item, "dropped", None, "host unavailable", None)
        return
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
        await _finish_counted(node, item, "retry", None, str(exc), None)
        return
    counters.delivery_latency.observe(time.perf_counter() - started)
    outcome = classify(resp.status)
    wait = retry_after(resp.headers.get("Retry-After"), utcnow()) if outcome == "retry" else None
    error = "" if outcome == "sent" else resp.body[:200].decode("utf-8", "replace")
    await _finish_counted(node, item, outcome, resp.status, error, wait)


async def _finish_counted(node: Node, item: dict, *outcome: Any) -> None:
    counted = await _finisher(node).submit((node, item, *outcome))
    counters.delivery_attempts.labels(counted).inc()


async def run_once(node: Node, limit: int = BATCH) -> int:
    """Send every due delivery of one batch concurrently; returns how many were attempted."""
    if node.http is None:
        return 0
    items = await node.db.atomic(_claim, node, utcnow(), limit)
    if not items:
        return 0
    # a key rotated by another process (the CLI) must be used from now on
    await node.db.run(actors.forget_rotated_keys, node, {item["signer"] for item in items})
    node.claims.hold(QUEUE, [item["id"] for item in items])  # the heartbeat renews their lease
    for signer in {item["signer"] for item in items} - set(node.keys.private):
        await node.db.run(actors.private_key, node, signer)  # once, not once per delivery
    await asyncio.gather(*(send(node, item) for item in items))
    return len(items)


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
