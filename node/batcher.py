"""Group commit: many callers' items in one transaction, each caller answered once it is committed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from node.db import Database


class Batcher:
    """Group commit: calls submitted while one batch runs go together into the next one.

    `fn(items) -> results` (one result per item) runs on a database thread, inside one
    transaction when `atomic`. Each `submit` returns once the batch holding its item has
    finished (committed), so a caller that answers after `submit` keeps its durability promise
    while the database does one transaction for many requests (STYLE: measured on this machine).
    If a batch fails, its items are retried one by one so one bad item fails only itself.
    With `linger`, a batch that follows another at once (the sign of load) first waits that
    long for more items; the first batch after a quiet spell never waits.
    """

    def __init__(
        self, db: Database, fn: Callable[[list], list], atomic: bool = True, linger: float = 0.0
    ) -> None:
        self.db = db
        self.fn = fn
        self.atomic = atomic
        self.linger = linger  # seconds a batch right behind another waits to fill up
        self.pending: list[tuple[Any, asyncio.Future]] = []
        self.task: asyncio.Task | None = None

    async def submit(self, item: Any) -> Any:
        future = asyncio.get_running_loop().create_future()
        self.pending.append((item, future))
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(self._flush())
        return await future

    async def _call(self, items: list) -> list:
        results = await (self.db.atomic if self.atomic else self.db.run)(self.fn, items)
        if len(results) != len(items):
            raise RuntimeError("a batch function must return one result per item")
        return results

    async def _flush(self) -> None:
        batch: list[tuple[Any, asyncio.Future]] = []
        try:
            while self.pending:
                if batch and self.linger:
                    # Back to back (more came in while the last batch ran): under load, wait a
                    # little so that this batch fills up. Batches of what came in during one
                    # commit halve when two processes share the load, and every batch costs a
                    # transaction on both sides (bench/processes.py: commits per activity
                    # 0.07 -> 0.14 with 2 processes, PostgreSQL CPU 63 -> 90 µs each).
                    await asyncio.sleep(self.linger)
                batch, self.pending = self.pending, []
                try:
                    results = await self._call([item for item, _ in batch])
                except Exception:  # noqa: BLE001 - isolate the bad item below
                    for item, future in batch:
                        try:
                            (result,) = await self._call([item])
                        except Exception as exc:  # noqa: BLE001 - handed to its caller
                            if not future.done():
                                future.set_exception(exc)
                        else:
                            if not future.done():
                                future.set_result(result)
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            self.task = None
            for _, future in batch + self.pending:  # when cancelled: never leave a caller hanging
                if not future.done():
                    future.cancel()
            self.pending = []
