"""Image work off the database threads and outside any transaction: a few threads, a memory budget.

Decoding a photo takes memory in proportion to its pixels, not its bytes (a 128 kB PNG can need
160 MB). Each job reserves its decode cost (from the header, see node/local/images.py) against the
budget before it starts; jobs that do not fit wait their turn, first come first served, so memory
stays bounded however many uploads arrive together. A job larger than the whole budget runs alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from node import memory
from node.settings import Settings

if TYPE_CHECKING:  # the checks and codecs load with the first upload, not at start
    from node.local import images

T = TypeVar("T")
TRIM_ABOVE = 16 * 1024 * 1024


class ImagePool:
    """`workers` threads for image jobs; at most `budget` bytes of decoded pixels at once."""

    def __init__(self, workers: int, budget: int) -> None:
        self.executor = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="image")
        self.budget = max(1, budget)
        self.free = self.budget
        self.waiting: deque[tuple[int, asyncio.Future]] = deque()

    async def _reserve(self, need: int) -> None:
        if not self.waiting and need <= self.free:
            self.free -= need
            return
        future = asyncio.get_running_loop().create_future()
        entry = (need, future)
        self.waiting.append(entry)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._release(need)  # granted just as we were cancelled: hand it on
            else:
                with contextlib.suppress(ValueError):
                    self.waiting.remove(entry)
                self._grant()
            raise

    def _grant(self) -> None:
        while self.waiting and self.waiting[0][0] <= self.free:
            need, future = self.waiting.popleft()
            if not future.done():
                self.free -= need
                future.set_result(None)

    def _release(self, need: int) -> None:
        self.free += need
        self._grant()

    async def run(self, cost: int, fn: Callable[..., T], *args: Any) -> T:
        """fn(*args) on an image thread once `cost` bytes of the budget are free."""
        need = min(max(cost, 1), self.budget)
        await self._reserve(need)
        try:
            call = functools.partial(contextvars.copy_context().run, _job, fn, need, *args)
            return await asyncio.get_running_loop().run_in_executor(self.executor, call)
        finally:
            self._release(need)

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


def _job(fn: Callable[..., T], cost: int, *args: Any) -> T:
    try:
        return fn(*args)
    finally:
        # glibc keeps freed memory in each thread's arena: after a large decode, give it back, or
        # every image thread would hold on to the largest image it ever decoded
        if cost >= TRIM_ABOVE:
            memory.give_back()


class Node(Protocol):
    """What `keep` needs of node.runtime.Node (which holds the pool: no import back to it)."""

    settings: Settings
    images: ImagePool


async def keep(
    node: Node, uploads: Sequence[bytes], folder: Path, sides: Sequence[int], field: str
) -> list[images.Saved]:
    """Check every upload's header (refusing before any decoding), then decode, shrink and write
    them on the image threads; all kept, or none (files of the others are removed)."""
    from node.local import images

    settings = node.settings
    headers = [
        images.inspect(data, settings.max_image_pixels, settings.max_upload_bytes, field, sides[0])
        for data in uploads
    ]
    jobs = [
        node.images.run(h.cost, images.save, folder, data, h.mime, sides, field)
        for h, data in zip(headers, uploads, strict=True)
    ]
    results = await asyncio.gather(*jobs, return_exceptions=True)
    saved = [r for r in results if isinstance(r, images.Saved)]
    failed = [r for r in results if not isinstance(r, images.Saved)]
    if failed:
        for item in saved:
            images.discard(folder, item.names)
        raise failed[0]
    return saved


@contextlib.asynccontextmanager
async def kept(
    node: Node, uploads: Sequence[bytes], folder: Path, sides: Sequence[int], field: str
) -> AsyncIterator[list[images.Saved]]:
    """`keep`, and remove the files again if the block (the transaction) fails."""
    from node.local import images

    saved = await keep(node, uploads, folder, sides, field) if uploads else []
    try:
        yield saved
    except BaseException:
        for item in saved:
            images.discard(folder, item.names)
        raise
