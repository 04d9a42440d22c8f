"""Inbox items after their 202: claimed by one worker, prepared, handled through the dispatch
table in one transaction, marked, retried, pruned (inbox.py verifies and stores them)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from node.activitypub import actors
from node.activitypub.from_as import Unacceptable
from node.activitypub.models import InboxItem
from node.activitypub.vocab import PUBLIC, as_list, get_id
from node.local import inputs
from node.local.models import utcnow
from node.local.tx import Tx
from node.queue import LostClaim, Queue, claim, release
from node.runtime import Node

log = logging.getLogger("quartier.inbox")

BATCH = 50
MAX_ATTEMPTS = 5


def _may_need_attestation(activity: dict[str, Any], inner: Any) -> bool:
    """Activities whose handling may ask whether the sender is a verified neighbour (or that
    change it): actor Updates, loan requests, Joins, and Creates not addressed to the public."""
    kind = activity.get("type")
    if kind in ("Update", "Offer", "Join"):
        return True
    if kind != "Create" or not isinstance(inner, dict):
        return False
    addressed = as_list(inner.get("to")) + as_list(inner.get("cc"))
    return not any(a in (PUBLIC, "as:Public", "Public") for a in addressed)


async def _prepare(node: Node, activity: dict[str, Any]) -> dict[str, Any]:
    """Network work before the transaction: cache the actors, unwrap Announces from origin."""
    if activity.get("type") == "Announce":
        from node.activitypub import announces

        activity = {**activity, "object": await announces.unwrap(node, activity)}
    inner = activity.get("object")
    for uri in {get_id(activity.get("actor"))} | (
        {get_id(inner.get("actor")), get_id(inner.get("attributedTo"))}
        if isinstance(inner, dict)
        else set()
    ):
        if uri and not node.urls.is_local(uri):
            try:
                await actors.fetch_actor(node, uri)
            except actors.FetchFailed:
                pass
    sender = get_id(activity.get("actor"))
    if sender and not node.urls.is_local(sender) and _may_need_attestation(activity, inner):
        # the key of the Group attesting the sender, if missing (an actor Update: its new claim)
        claim = None
        if (
            activity.get("type") == "Update"
            and isinstance(inner, dict)
            and inner.get("id") == sender
        ):
            claim = inner.get("residenceAttestation")
        await actors.fetch_issuer_keys(node, sender, claim if isinstance(claim, dict) else None)
    return activity


# received → processed | ignored | rejected, or received again after an error, failed after
# MAX_ATTEMPTS; claimed with a lease so that each item is processed by one worker (node.queue).
QUEUE = Queue(InboxItem, waiting="received", scheduled=False)


def _handle(tx: Tx, node: Node, item_id: int, attempts: int, sender: str, activity: dict) -> None:
    """Dispatch through HANDLERS and mark the item done in the same transaction (commit()'s).

    If the claim was lost meanwhile, LostClaim rolls the handler's changes back: the worker that
    took the item over processes it, so it is processed once.
    """
    from node.activitypub import dispatch

    result = dispatch.run(tx, node, sender, activity)
    state, error = ("ignored", result) if isinstance(result, str) and result else ("processed", "")
    _mark(node, item_id, state, error, attempts)


async def process_one(node: Node, item: InboxItem) -> None:
    """Process one claimed item; the claim is let go whatever happens (but on cancellation)."""
    try:
        await _process(node, item)
    except LostClaim:
        log.info("inbox item %s was taken over by another worker", item.activity_id)
    except Exception:
        node.claims.forget(QUEUE, [item.id])  # its lease runs out and it is retried
        raise
    node.claims.forget(QUEUE, [item.id])


async def _process(node: Node, item: InboxItem) -> None:
    # the handlers (and the domain code they call) load with the first item, not at start
    from node.activitypub import dispatch
    from node.commit import commit

    activity = inputs.loads(item.body)
    attempts = item.attempts + 1
    try:
        refused = dispatch.accepts(activity)
        if refused is not None:
            state, error = "ignored", f"no handler for {refused[0]}/{refused[1]}"
        else:
            activity = await _prepare(node, activity)
            await commit(node, _handle, node, item.id, attempts, item.sender, activity)
            return
    except (Unacceptable, actors.FetchFailed) as exc:
        state, error = "rejected", exc.reason
    except LostClaim:
        raise
    except Exception as exc:  # noqa: BLE001 - keep the row, retry a few times, then fail
        log.exception("inbox item %s failed", item.activity_id)
        await node.db.atomic(_mark, node, item.id, None, repr(exc), attempts)
        return
    await node.db.atomic(_mark, node, item.id, state, error, attempts)


def _mark(node: Node, item_id: int, state: str | None, error: str, attempts: int) -> None:
    """Record the outcome and let the claim go; state None is a failed attempt (retried)."""
    if state is None:
        values = QUEUE.retried(attempts, utcnow(), dead=attempts >= MAX_ATTEMPTS)
    else:
        values = {"state": state, "attempts": attempts}
    release(QUEUE, node.claims, item_id, error=error[:1000], processed_at=utcnow(), **values)


def _claim(node: Node, limit: int) -> list[InboxItem]:
    return claim(QUEUE, node.claims, utcnow(), limit, node.db.is_postgres)


async def process_pending(node: Node, limit: int = BATCH) -> int:
    """Claim stored activities and dispatch them in arrival order; returns how many were handled."""
    items = await node.db.atomic(_claim, node, limit)
    if not items:
        return 0
    node.claims.hold(QUEUE, [item.id for item in items])  # the heartbeat renews their lease
    for item in items:
        await process_one(node, item)
    return len(items)


def _prune(now: dt.datetime) -> int:
    old = now - dt.timedelta(days=3)
    return (
        InboxItem.delete()
        .where((InboxItem.state != "received") & (InboxItem.received_at < old))
        .execute()
    )


async def prune(node: Node) -> int:
    await node.db.run(_prune, utcnow())
    return 0
