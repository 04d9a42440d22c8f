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
    from node import clock_steps, mail_sender, planner, samples
    from node.activitypub import delivery, inbox_work, remote_media
    from node.local.notifications import read as notifications
    from node.local.shelves import matching as shelf_matching

    node.steps["mail"] = mail_sender.send_due
    node.steps["digest"] = notifications.digest_step
    node.steps["shelf_index"] = shelf_matching.index_step
    clock_steps.register(node)

    node.steps["inbox"] = inbox_work.process_pending
    node.steps["deliveries"] = delivery.step
    node.steps["federation_prune"] = _federation_prune
    node.steps["remote_photos"] = remote_media.fetch_due
    node.steps["samples"] = samples.sample_step
    node.steps["planner_statistics"] = planner.statistics_step


async def _federation_prune(node: Node) -> int:
    import time

    from node.activitypub import delivery, inbox_work

    # Pruning is part of the loop (no cron job), but once an hour is plenty.
    if time.monotonic() - node.federation_pruned_at < 3600:
        return 0
    node.federation_pruned_at = time.monotonic()
    await inbox_work.prune(node)
    return await delivery.prune(node)


@contextlib.asynccontextmanager
async def http_ctx(node: Node) -> AsyncIterator[None]:
    """The one outbound HTTP client of the node (SSRF guard, caps, timeouts)."""
    from node.activitypub.http import SafeClient

    settings = node.settings
    client = SafeClient(
        allow_private=settings.allow_private_addresses,
        allow_http=settings.allow_http,
        total_timeout=settings.http_timeout_seconds,
        user_agent=f"Quartier (+{settings.public_url})",
    )
    node.http = client
    try:
        yield
    finally:
        node.http = None
        await client.close()


RESOURCES.append(http_ctx)


@contextlib.asynccontextmanager
async def signers_ctx(node: Node) -> AsyncIterator[None]:
    """The processes that sign deliveries on other cores, started at the first signature."""
    from node.activitypub.sign_pool import SignPool, auto_processes

    wanted = node.settings.sign_processes
    pool = SignPool(auto_processes() if wanted < 0 else wanted)
    node.signers = pool
    try:
        yield
    finally:
        node.signers = None
        await pool.close()


RESOURCES.append(signers_ctx)


@contextlib.asynccontextmanager
async def claims_ctx(node: Node) -> AsyncIterator[None]:
    """The lease heartbeat of the queue rows this process holds (node.queue); frees them at exit."""
    import asyncio

    from node import queue

    task = asyncio.create_task(queue.heartbeat(node.db, node.claims))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


RESOURCES.append(claims_ctx)


def _media_ctx(node: Node) -> Any:
    from node.activitypub.remote_media import media_client_ctx

    return media_client_ctx(node)


RESOURCES.append(_media_ctx)


@contextlib.asynccontextmanager
async def resources(node: Node) -> AsyncIterator[Node]:
    async with contextlib.AsyncExitStack() as stack:
        for make in RESOURCES:
            await stack.enter_async_context(make(node))
        yield node
