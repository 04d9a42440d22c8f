"""The floor of a signed inbox in Python on aiohttp: the least any correct one must do per request.

`python bench/inbox.py --floor` runs this server beside the node's inbox and the echo, on the same
core, with the same signed requests. Per request it does only what no inbox can skip:

- read the body, parse the JSON (orjson), take the activity's id;
- split the draft-cavage `Signature` header, build the signing string of its listed headers,
  check the Date window and the SHA-256 `Digest` of the body, verify the RSA signature with a key
  already in memory (one sender: no lookup, no cache, no expiry);
- store the body durably before answering 202: SQLite in WAL with synchronous=FULL, one
  transaction per group of requests (group commit on one database thread), duplicates ignored.

Everything the node does on top (several senders and their keys, blocks and allow-lists, origin
checks, limits, metrics, error answers, request ids, security headers) is left out. So the ratio
floor/echo is the most that a Python inbox that verifies and stores can reach on this machine
against that echo; the node's inbox is measured against both.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import sqlite3
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from email.utils import parsedate_to_datetime
from pathlib import Path

import orjson
from aiohttp import web
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding


class GroupCommit:
    """Requests that arrive while a transaction runs go together into the next one."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, aid TEXT UNIQUE, body TEXT)")
        self.thread = ThreadPoolExecutor(1)
        self.pending: list[tuple[str, str, asyncio.Future]] = []
        self.task: asyncio.Task | None = None

    def _write(self, rows: list[tuple[str, str]]) -> None:
        self.db.execute("BEGIN")
        self.db.executemany("INSERT OR IGNORE INTO item (aid, body) VALUES (?, ?)", rows)
        self.db.execute("COMMIT")

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        while self.pending:
            batch, self.pending = self.pending, []
            await loop.run_in_executor(self.thread, self._write, [(a, b) for a, b, _ in batch])
            for *_, future in batch:
                future.set_result(None)
        self.task = None

    async def store(self, aid: str, body: str) -> None:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.pending.append((aid, body, future))
        if self.task is None:
            self.task = loop.create_task(self._flush())
        await future

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM item").fetchone()[0]


def app(pem: bytes, store: GroupCommit) -> web.Application:
    key = serialization.load_pem_public_key(pem)
    pkcs1, sha256 = padding.PKCS1v15(), hashes.SHA256()

    async def inbox(request: web.Request) -> web.Response:
        body = await request.read()
        headers = request.headers
        try:
            params = {}
            for part in headers["Signature"].split(","):
                name, _, value = part.partition("=")
                params[name.strip()] = value.strip().strip('"')
            lines = []
            for name in params["headers"].split():
                if name == "(request-target)":
                    lines.append(f"(request-target): post {request.raw_path}")
                else:
                    lines.append(f"{name}: {headers[name]}")
            date = parsedate_to_datetime(headers["Date"]).timestamp()
            if abs(date - time.time()) > 3600:
                raise ValueError("date")
            digest = base64.b64decode(headers["Digest"].partition("=")[2])
            if not hmac.compare_digest(digest, hashlib.sha256(body).digest()):
                raise ValueError("digest")
            message = "\n".join(lines).encode()
            key.verify(base64.b64decode(params["signature"]), message, pkcs1, sha256)
            activity = orjson.loads(body)
            aid = activity["id"]
        except Exception:  # noqa: BLE001 - the floor answers 401 to anything it cannot verify
            return web.Response(status=401)
        await store.store(aid, body.decode())
        return web.Response(status=202)

    application = web.Application()
    application.router.add_post("/{path:.*}", inbox)
    return application


async def serve_until_stdin_closes(application: web.Application, on_stop=None) -> None:
    """Serve on a free loopback port, print `READY <inbox URL>`, stop when stdin closes."""
    runner = web.AppRunner(application)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    print(f"READY http://127.0.0.1:{port}/inbox", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    if on_stop is not None:
        on_stop()
    await runner.cleanup()


async def serve_floor(pem_path: str, data_dir: str) -> None:
    store = GroupCommit(str(Path(data_dir) / "floor.sqlite"))
    await serve_until_stdin_closes(
        app(Path(pem_path).read_bytes(), store),
        lambda: print(f"STORED {store.count()}", flush=True),
    )
