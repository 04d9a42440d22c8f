"""Glue: the background steps and outbound resources of a node (mail, deliveries, inbox).

Used by the web app (cleanup contexts), by `quartier worker` and by tests (node.drain())."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from node.runtime import Node

# Each entry: node -> async context manager that opens a resource (e.g. the HTTP client) on it.
RESOURCES: list[Callable[[Node], Any]] = []


def register(node: Node) -> None:
    """Add every background step to the node. Each area adds its own line here."""
    from node.local import notifications

    node.steps["digest"] = notifications.digest_step


@contextlib.asynccontextmanager
async def resources(node: Node) -> AsyncIterator[Node]:
    async with contextlib.AsyncExitStack() as stack:
        for make in RESOURCES:
            await stack.enter_async_context(make(node))
        yield node
