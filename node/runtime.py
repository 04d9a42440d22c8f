"""Node: what one running node holds (settings, database, URLs, background steps)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from node.batcher import Batcher
from node.db import Database
from node.imaging import ImagePool
from node.queue import Holder
from node.settings import Settings
from node.urls import Urls

if TYPE_CHECKING:  # the protocol layer imports this module, not the reverse
    from node.activitypub.http import SafeClient
    from node.activitypub.sign_pool import SignPool

log = logging.getLogger("quartier")

# A background step does one batch of due work and returns how many items it handled.
Step = Callable[["Node"], Awaitable[int]]


@dataclass
class KeyCache:
    """The private keys this process signs with, and the public PEM each was loaded with: a
    rotation by another process shows as a different PEM in the row (issue #8)."""

    private: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    instance_signer: Callable[..., Any] | None = None

    def forget(self, handle: str) -> None:
        self.private.pop(handle, None)
        self.versions.pop(handle, None)


@dataclass
class Node:
    """One node: shared by the web app, the workers and the CLI."""

    settings: Settings
    db: Database
    urls: Urls
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    steps: dict[str, Step] = field(default_factory=dict)
    http: SafeClient | None = None  # federation client, set by http_ctx
    media_http: SafeClient | None = None  # remote photos client, set by remote_media
    signers: SignPool | None = None  # processes that sign deliveries, set by signers_ctx
    keys: KeyCache = field(default_factory=KeyCache)
    inbox_batchers: dict[str, Batcher] | None = None  # group commit of the inbox
    # remote keys this process verified with: key id → (owner, PEM, key, monotonic expiry)
    inbox_senders: dict[str, tuple[str, str, Any, float]] = field(default_factory=dict)
    clock: Callable[[], dt.datetime] | None = None  # tests move time for the daily steps
    federation_pruned_at: float = -3600.0  # time.monotonic() of the last prune
    mail_warned: bool = False  # "no SMTP host" logged once
    images: ImagePool = field(default_factory=lambda: ImagePool(2, 128 * 1024 * 1024))
    claims: Holder = field(init=False)  # the queue rows this process holds (node.queue)

    def __post_init__(self) -> None:
        self.claims = Holder(self.settings.queue_lease_seconds)

    def kick(self) -> None:
        """Wake the workers: new work was committed (the rows are the truth; this cuts latency)."""
        self.wake.set()

    async def run_steps_once(self) -> int:
        done = 0
        for name, step in list(self.steps.items()):
            try:
                done += await step(self)
            except Exception:  # a failing step must not stop the others
                log.exception("background step %s failed", name)
        return done

    async def drain(self, rounds: int = 50) -> int:
        """Run every background step until nothing is due (tests call this; never sleep)."""
        total = 0
        for _ in range(rounds):
            done = await self.run_steps_once()
            total += done
            if not done:
                break
        return total

    async def run_forever(self) -> None:
        """The worker loop: run due work, then wait for a kick or a short poll interval."""
        delay = 0.5
        while True:
            # Clear before the round, not after: a kick that lands while the steps run (work
            # committed just after a step looked) must wake the next wait at once, not be lost.
            self.wake.clear()
            done = await self.run_steps_once()
            if done:
                delay = 0.5
                continue
            try:
                await asyncio.wait_for(self.wake.wait(), timeout=delay)
                delay = 0.5
            except TimeoutError:
                delay = min(delay * 2, 5.0)


def make_node(settings: Settings) -> Node:
    return Node(
        settings=settings,
        db=Database(settings.effective_database_url),
        urls=Urls(settings.public_url),
        images=ImagePool(settings.image_workers, settings.image_memory_mb * 1024 * 1024),
    )
