"""Signing on other cores: the RSA signatures of outgoing deliveries made by helper processes.

An RSA-2048 signature costs ~0.5 ms of CPU and holds the GIL (threads do not help): for a post to
1,000 personal inboxes that is half a second of the one core the event loop runs on, next to the
HTTP work it also has to do. `SignPool` hands whole `sign_request` / `sign_request_rfc9421` calls
to small child processes (`python -m node.activitypub.sign_pool`: cryptography and the two
signature modules, nothing else of the node) over their stdin/stdout, a few requests per message.
The child runs the very same functions, and an RSA PKCS#1 v1.5 signature is deterministic, so a
request signed there carries the same headers as one signed in the event loop.

Nothing durable lives here: the delivery row stays claimed in the database while its signature is
made. If a child is not running yet, or dies, the request is signed in the event loop instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import pickle
import struct
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from node.activitypub.signatures import sign_request

# cryptography is imported where a key is serialised or loaded, not at start (tests/test_memory.py)

log = logging.getLogger("quartier.sign_pool")

_HEAD = struct.Struct(">I")
CHUNK = 8  # requests per message: small enough that the first POSTs leave while the rest is signed


def sign_headers(
    key: Any,
    key_id: str,
    scheme: str,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    now: dt.datetime,
) -> dict[str, str]:
    """The headers a signed request needs, by `scheme` ("cavage" or "rfc9421")."""
    if scheme == "rfc9421":
        # http-message-signatures loads with the first RFC 9421 delivery (idle memory)
        from node.activitypub.rfc9421 import sign_request_rfc9421

        return sign_request_rfc9421(key, key_id, method, url, headers, body, now)
    return sign_request(key, key_id, method, url, headers, body, now)


def auto_processes() -> int:
    """One helper per spare core, at most two; none on a single core (it would only compete)."""
    return max(0, min(2, (os.cpu_count() or 1) - 1))


class PoolBroken(Exception):
    """The child died or answered nonsense: the caller signs in the event loop instead."""


class _Child:
    """One helper process, its pending messages, and the keys it has already been sent."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.waiting: dict[int, asyncio.Future] = {}
        self.jobs = 0  # requests sent and not answered yet
        self.keys: set[int] = set()
        self.reader: asyncio.Task | None = None

    async def read_forever(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        try:
            while True:
                head = await stream.readexactly(_HEAD.size)
                message_id, results = pickle.loads(await stream.readexactly(_HEAD.unpack(head)[0]))
                future = self.waiting.pop(message_id, None)
                if future is not None and not future.done():
                    future.set_result(results)
        except (asyncio.IncompleteReadError, ConnectionError, pickle.UnpicklingError, ValueError):
            pass
        finally:
            for future in self.waiting.values():
                if not future.done():
                    future.set_exception(PoolBroken("signing process stopped"))
            self.waiting.clear()

    def alive(self) -> bool:
        return self.proc.returncode is None and self.reader is not None and not self.reader.done()


class SignPool:
    """`processes` helper processes that sign requests; 0 signs everything in the event loop."""

    def __init__(self, processes: int) -> None:
        self.processes = max(0, processes)
        self.children: list[_Child] = []
        self.pending: list[tuple[tuple, asyncio.Future]] = []
        self.flush_scheduled = False
        self.starting: asyncio.Task | None = None
        self.tokens: dict[int, tuple[Any, int, bytes]] = {}  # id(key) -> (key, token, PEM)
        self.next_id = 0
        self.signed_here = 0  # requests signed in the event loop (pool off, starting, or broken)
        self.signed_away = 0
        self.failed_at: float | None = None  # time.monotonic() of a failed start
        self.sending: set[asyncio.Future] = set()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start the helpers and wait until each has answered once (idempotent)."""
        if self.processes == 0 or self.ready():
            return
        if self.starting is None or self.starting.done():
            self.starting = asyncio.create_task(self._start())
        await asyncio.shield(self.starting)

    async def _start(self) -> None:
        try:
            await self._spawn()
        except Exception:  # the event loop signs meanwhile; retried a minute later
            self.failed_at = time.monotonic()
            log.exception("could not start the signing processes")
            await self._stop_children()

    def _may_start(self) -> bool:
        if not self.processes or (self.starting is not None and not self.starting.done()):
            return False
        return self.failed_at is None or time.monotonic() - self.failed_at > 60

    async def _spawn(self) -> None:
        await self._stop_children()
        root = str(Path(__file__).resolve().parents[2])  # the folder holding the node package
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        for _ in range(self.processes):
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "node.activitypub.sign_pool",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                env=env,
            )
            child = _Child(proc)
            child.reader = asyncio.create_task(child.read_forever())
            self.children.append(child)
        # a first empty message each: answered once the child has imported and is listening
        await asyncio.gather(*(self._send(child, []) for child in self.children))

    def ready(self) -> bool:
        return bool(self.children) and all(c.alive() for c in self.children)

    async def close(self) -> None:
        if self.starting is not None and not self.starting.done():
            self.starting.cancel()
            with contextlib.suppress(BaseException):
                await self.starting
        await self._stop_children()

    async def _stop_children(self) -> None:
        children, self.children = self.children, []
        for child in children:
            if child.proc.stdin is not None and not child.proc.stdin.is_closing():
                child.proc.stdin.close()  # EOF: the child returns
            with contextlib.suppress(ProcessLookupError):
                try:
                    await asyncio.wait_for(child.proc.wait(), 2)
                except TimeoutError:
                    child.proc.kill()
                    await child.proc.wait()
            if child.reader is not None:
                child.reader.cancel()
                with contextlib.suppress(BaseException):
                    await child.reader

    # ------------------------------------------------------------------ signing

    async def sign(
        self,
        key: Any,
        key_id: str,
        scheme: str,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        now: dt.datetime,
    ) -> dict[str, str]:
        """`sign_headers` in a helper process when one runs, else here."""
        args = (key, key_id, scheme, method, url, dict(headers), body, now)
        if not self.ready():
            if self._may_start():
                self.starting = asyncio.create_task(self._start())  # meanwhile: sign here
            self.signed_here += 1
            return sign_headers(*args)
        future = asyncio.get_running_loop().create_future()
        self.pending.append((args, future))
        if not self.flush_scheduled:
            self.flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)
        try:
            ok, value = await future
        except PoolBroken:
            self.failed_at = time.monotonic()  # restarted a minute later at the earliest
            ok, value = False, None
        if ok:
            self.signed_away += 1
            return value
        if value is not None:  # the child raised: the same error, raised here
            log.debug("signing in a helper failed (%s): signing here", value)
        self.signed_here += 1
        return sign_headers(*args)

    def _flush(self) -> None:
        """Everything asked for during one turn of the loop, in chunks, to the least busy child."""
        self.flush_scheduled = False
        pending, self.pending = self.pending, []
        for start in range(0, len(pending), CHUNK):
            chunk = pending[start : start + CHUNK]
            live = [c for c in self.children if c.alive()]
            if not live:
                for _, future in chunk:
                    future.set_exception(PoolBroken("no signing process"))
                continue
            child = min(live, key=lambda c: c.jobs)
            task = asyncio.ensure_future(self._send(child, [args for args, _ in chunk]))
            self.sending.add(task)  # a strong reference until it is done
            task.add_done_callback(self.sending.discard)
            task.add_done_callback(lambda t, chunk=chunk: _settle(t, chunk))

    async def _send(self, child: _Child, jobs: list[tuple]) -> list:
        if not child.alive():  # its reader has ended: nobody would answer this message
            raise PoolBroken("signing process stopped")
        new_keys: dict[int, bytes] = {}
        wire = []
        for key, key_id, scheme, method, url, headers, body, now in jobs:
            token, pem = self._token(key)
            if token not in child.keys:
                new_keys[token] = pem
            wire.append((token, key_id, scheme, method, url, headers, body, now))
        self.next_id += 1
        message_id = self.next_id
        future = asyncio.get_running_loop().create_future()
        child.waiting[message_id] = future
        payload = pickle.dumps((message_id, new_keys, wire), protocol=pickle.HIGHEST_PROTOCOL)
        stdin = child.proc.stdin
        assert stdin is not None
        child.jobs += len(jobs)
        try:
            stdin.write(_HEAD.pack(len(payload)) + payload)
            await stdin.drain()
            child.keys |= new_keys.keys()
            return await future
        except (ConnectionError, RuntimeError) as exc:
            child.waiting.pop(message_id, None)
            raise PoolBroken(str(exc)) from exc
        finally:
            child.jobs -= len(jobs)

    def _token(self, key: Any) -> tuple[int, bytes]:
        found = self.tokens.get(id(key))
        if found is None or found[0] is not key:
            from cryptography.hazmat.primitives import serialization

            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            found = self.tokens[id(key)] = (key, len(self.tokens) + 1, pem)
        return found[1], found[2]


def _settle(task: asyncio.Future, chunk: list[tuple[tuple, asyncio.Future]]) -> None:
    if task.cancelled():
        error: BaseException | None = PoolBroken("cancelled")
    else:
        error = task.exception()
    for i, (_, future) in enumerate(chunk):
        if future.done():
            continue
        if error is not None:
            future.set_exception(error if isinstance(error, PoolBroken) else PoolBroken(str(error)))
        else:
            future.set_result(task.result()[i])


def _child_main() -> None:
    """The helper: read messages on stdin, answer on stdout, until stdin closes."""
    from cryptography.hazmat.primitives import serialization

    source, sink = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing printed by accident may corrupt the answers
    keys: dict[int, Any] = {}
    while True:
        head = source.read(_HEAD.size)
        if len(head) < _HEAD.size:
            return
        message_id, new_keys, jobs = pickle.loads(source.read(_HEAD.unpack(head)[0]))
        for token, pem in new_keys.items():
            keys[token] = serialization.load_pem_private_key(pem, password=None)
        results: list[tuple[bool, Any]] = []
        for token, *rest in jobs:
            try:
                results.append((True, sign_headers(keys[token], *rest)))
            except Exception as exc:  # noqa: BLE001 - reported back; the parent signs itself
                results.append((False, f"{exc.__class__.__name__}: {exc}"))
        payload = pickle.dumps((message_id, results), protocol=pickle.HIGHEST_PROTOCOL)
        sink.write(_HEAD.pack(len(payload)) + payload)
        sink.flush()


if __name__ == "__main__":
    _child_main()
