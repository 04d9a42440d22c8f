"""The event loop of `serve` and `worker`: asyncio's own, or uvloop when the operator asks for it.

Measured on this kind of machine (2 cores, bench/README.md, "Event loops"): uvloop takes about a
tenth less CPU per signed inbox request in one process, but two `serve` processes on PostgreSQL
took a third more CPU per activity on it than on asyncio's loop and stored 25-35 % fewer
activities per second. asyncio's loop stays the default; `event_loop = "uvloop"`
(QUARTIER_EVENT_LOOP=uvloop, after `pip install quartier[uvloop]`) suits a single process.
"""

from __future__ import annotations

import asyncio


def new_loop(choice: str = "asyncio") -> asyncio.AbstractEventLoop:
    """A new event loop of the chosen kind ("asyncio" or "uvloop")."""
    if choice == "uvloop":
        try:
            import uvloop
        except ImportError:
            raise SystemExit(
                "event_loop is uvloop but uvloop is not installed (pip install uvloop)"
            ) from None
        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def loop_name(loop: asyncio.AbstractEventLoop) -> str:
    return "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"
