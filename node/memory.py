"""Giving freed memory back to the system: glibc's malloc_trim, after start and after large images.

glibc keeps what Python frees in its heaps (one arena per thread that allocated) for reuse; the
start-up work (imports, migrations check, the first templates) leaves megabytes of such free
pages that the process would hold for ever. malloc_trim(0) hands them back (measured in
bench/README.md, "Memory"). Elsewhere than glibc there is nothing to do.
"""

from __future__ import annotations

import ctypes
import functools
import gc
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to trim
        return None


def give_back(collect: bool = False) -> bool:
    """Return the heaps' free pages to the system (after a gc pass if `collect`); False where
    the C library has no malloc_trim."""
    if collect:
        gc.collect()
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


def freeze() -> None:
    """Move every object alive now (modules, models, templates, locale data: what start-up
    made and the process keeps) out of the garbage collector's reach. A full collection then
    walks only what requests made since: in bench/sharing.py (74,000 objects tracked) each of
    these pauses of the event loop, one every ~130 requests, took ~45 ms (up to 60), and ~6 ms
    after it. Frozen objects that become garbage later are freed by their reference counts as
    ever; only cycles among them would stay."""
    gc.freeze()
