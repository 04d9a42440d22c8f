"""commit(): a domain write and its deliveries in one database transaction (transactional outbox)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from node.local.tx import Tx
from node.runtime import Node

T = TypeVar("T")


async def commit(
    node: Node,
    fn: Callable[..., T],
    *args: Any,
    actor_id: int | None = None,
    kick: bool = True,
    **kwargs: Any,
) -> T:
    """Run fn(tx, *args) and record the changes it made as deliveries, atomically; wake workers.

    Background steps pass kick=False: the worker loop itself runs them, and a kick at every
    idle round would keep it from ever sleeping (an idle node spent 30–90 % of a core on it).
    """

    def work() -> T:
        tx = Tx(actor_id=actor_id, settings=node.settings)
        result = fn(tx, *args, **kwargs)
        if tx.changes:
            # loaded with the first change: background steps commit at every round, mostly
            # nothing, and an idle node need not hold the protocol's builders (node.memory)
            from node.activitypub import outbox

            outbox.record(node, tx)
        return result

    result = await node.db.atomic(work)
    if kick:
        node.kick()
    return result
