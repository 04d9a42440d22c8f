"""commit(): a domain write and its deliveries in one database transaction (transactional outbox)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from node.activitypub import outbox
from node.local.tx import Tx
from node.runtime import Node

T = TypeVar("T")


async def commit(
    node: Node, fn: Callable[..., T], *args: Any, actor_id: int | None = None, **kwargs: Any
) -> T:
    """Run fn(tx, *args) and record the changes it made as deliveries, atomically; wake workers."""

    def work() -> T:
        tx = Tx(actor_id=actor_id, settings=node.settings)
        result = fn(tx, *args, **kwargs)
        if tx.changes:
            outbox.record(node, tx)
        return result

    result = await node.db.atomic(work)
    node.kick()
    return result
