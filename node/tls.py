"""TLS for outgoing HTTPS: the system's CA certificates loaded on the first request, not at start.

aiohttp builds its two client SSL contexts when it is imported (aiohttp/connector.py), and each
loads the system's whole CA bundle: about 2 MB of resident memory (bench/README.md, "Memory")
that a node holds from start although it may make no HTTPS request for hours. The CLI imports
aiohttp inside `deferred_ca_store()`: the contexts are built as before, only their
`set_default_verify_paths()` is put off; `load_ca_store()` runs it, once, on those very
contexts, and every outgoing client calls it before its first connection (node.activitypub.http,
node.web.geocoder). A forgotten call fails closed: a verifying context without CA certificates
accepts no server.

Where aiohttp was imported first (tests, other entry points) nothing is deferred.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
from collections.abc import Iterator

_deferred: list[ssl.SSLContext] = []
_lock = threading.Lock()


@contextlib.contextmanager
def deferred_ca_store() -> Iterator[None]:
    """Within this block, SSL contexts made by this thread load no CA certificates yet."""
    importer = threading.get_ident()
    own = ssl.SSLContext.__dict__.get("set_default_verify_paths")  # None: _ssl's C method
    real = ssl.SSLContext.set_default_verify_paths

    def later(context: ssl.SSLContext) -> None:
        if threading.get_ident() != importer:
            real(context)
            return
        with _lock:
            _deferred.append(context)

    ssl.SSLContext.set_default_verify_paths = later  # type: ignore[method-assign]
    try:
        yield
    finally:
        if own is None:
            del ssl.SSLContext.set_default_verify_paths
        else:
            ssl.SSLContext.set_default_verify_paths = own  # type: ignore[method-assign]


def load_ca_store() -> int:
    """Load the system's CA certificates into the contexts made in deferred_ca_store() (once;
    a cheap no-op afterwards). Returns how many contexts it completed."""
    if not _deferred:
        return 0
    with _lock:  # held while loading: no caller connects with a half-loaded context
        done = len(_deferred)
        while _deferred:
            _deferred[0].set_default_verify_paths()
            _deferred.pop(0)
    return done


def pending() -> int:
    """How many contexts still wait for their CA certificates."""
    return len(_deferred)
