"""The event loop of `serve` and `worker`: uvloop when it is installed, asyncio's own otherwise.

uvloop (libuv) does the same work as asyncio's selector loop with less CPU per request: on the
inbox, about a tenth less per signed activity on one core (bench/inbox.py, bench/README.md). It
is a dependency on Linux and macOS; `event_loop = "asyncio"` (QUARTIER_EVENT_LOOP=asyncio) keeps
asyncio's loop, e.g. to compare or to rule the loop out when chasing a problem.
"""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger("quartier")


def new_loop(choice: str = "auto") -> asyncio.AbstractEventLoop:
    """A new event loop of the chosen kind ("auto", "uvloop" or "asyncio")."""
    if choice != "asyncio":
        try:
            import uvloop
        except ImportError:
            if choice == "uvloop":
                raise SystemExit(
                    "event_loop is uvloop but uvloop is not installed (pip install uvloop)"
                ) from None
        else:
            return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def loop_name(loop: asyncio.AbstractEventLoop) -> str:
    return "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"
