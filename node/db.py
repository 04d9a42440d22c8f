"""Database: peewee models bound per node, run on the node's own threads.

Domain code is ordinary synchronous peewee. Each node owns a `Database` with its own thread pool;
those threads bind the shared model proxy to that node's peewee database (a thread-local binding),
so several nodes, each with its own database, can live in one process (two-node tests).
SQLite gets one thread (writes are serialised, no SQLITE_BUSY); PostgreSQL gets a small pool.
This is the fallback STYLE.md names for pwasyncio, measured faster on SQLite (about 1,900
inserts/s against 750-1,000).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import math
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, quote, unquote, urlsplit

from node import files

# peewee imports both drivers at its own import whenever they are installed: psycopg2 brings libpq
# and a second OpenSSL, about 5 MB of resident memory a node on SQLite never uses; sqlite3 and
# libsqlite3, about 1 MB a node on PostgreSQL never uses. Hidden from that import (a None entry
# makes `import psycopg2` raise ImportError), each is loaded when its kind of database is set up:
# psycopg2 by _Psycopg2, sqlite3 by sqlite_driver(). This works only when node.db is the first to
# import peewee: the CLI imports it first (tests/test_memory.py guards that); where peewee came
# first, the drivers are simply already loaded and nothing changes.
_hidden = (
    [] if "peewee" in sys.modules else [d for d in ("psycopg2", "sqlite3") if d not in sys.modules]
)
for _driver in _hidden:
    sys.modules[_driver] = None  # type: ignore[assignment]
try:
    import peewee
    from playhouse.pool import PooledPostgresqlDatabase
finally:
    for _driver in _hidden:
        del sys.modules[_driver]

T = TypeVar("T")


class NodeDatabaseProxy(peewee.DatabaseProxy):
    """A DatabaseProxy whose target is chosen per thread."""

    __slots__ = ("_local",)

    def __init__(self) -> None:
        object.__setattr__(self, "_local", threading.local())
        object.__setattr__(self, "_callbacks", [])

    @property
    def obj(self) -> peewee.Database | None:  # type: ignore[override]
        return getattr(self._local, "db", None)

    def initialize(self, obj: peewee.Database | None) -> None:
        self._local.db = obj


proxy = NodeDatabaseProxy()


class BaseModel(peewee.Model):
    class Meta:
        database = proxy
        legacy_table_names = False


def sqlite_driver() -> Any:
    """The sqlite3 module, handed to peewee as its import would have (its adapters, its version)
    where node.db kept it from that import."""
    import sqlite3

    if peewee.sqlite3 is None:
        import datetime
        import decimal

        sqlite3.register_adapter(decimal.Decimal, str)
        sqlite3.register_adapter(datetime.date, str)
        sqlite3.register_adapter(datetime.time, str)
        if sys.version_info >= (3, 12):  # peewee's own, for the adapters Python deprecated
            sqlite3.register_adapter(datetime.datetime, lambda d: d.isoformat(" "))
            sqlite3.register_converter("date", _sqlite_date)
            sqlite3.register_converter("timestamp", _sqlite_timestamp)
        peewee.__sqlite_version__ = sqlite3.sqlite_version_info
        peewee.SqliteDatabase.server_version = sqlite3.sqlite_version_info
        peewee.sqlite3 = sqlite3
    return sqlite3


def _sqlite_date(value: bytes) -> Any:
    import datetime

    return datetime.date(*map(int, value.split(b"-")))


def _sqlite_timestamp(value: bytes) -> Any:
    import datetime

    date, time = value.split(b"T") if b"T" in value else value.split(b" ")
    y, m, d = map(int, date.split(b"-"))
    whole, _, fraction = time.partition(b".")
    hour, minute, second = map(int, whole.split(b":"))
    usec = int(f"{fraction.decode():0<6.6}") if fraction else 0
    return datetime.datetime(y, m, d, hour, minute, second, usec)


def _sqlite(path: str) -> peewee.SqliteDatabase:
    sqlite_driver()
    if path != ":memory:":
        # SQLite gives -wal and -shm the database file's mode: create it 0600 before opening it
        files.private_dir(Path(path).parent)
        files.touch_private(path)
        for suffix in ("-wal", "-shm", "-journal"):
            files.make_private(f"{path}{suffix}")
    return peewee.SqliteDatabase(
        path,
        pragmas={
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": 10_000,
            # FULL: a commit is on disk before it returns, so the 202 of an inbox and the "saved"
            # of a page survive a power cut too (WAL with NORMAL survives only a process crash).
            # With group commit (Batcher) one fsync covers a whole batch of requests.
            "synchronous": "full",
        },
        check_same_thread=False,
        # BEGIN IMMEDIATE: a transaction takes the write lock up front, so a second process on
        # the same file (a CLI command, a `quartier worker`) waits busy_timeout instead of failing
        # at once with "database is locked" when a read has to upgrade to a write.
        lock_type="IMMEDIATE",
    )


class _Psycopg2(peewee.Psycopg2Adapter):
    """peewee's psycopg2 adapter, with the driver imported here rather than at peewee's import."""

    def __init__(self) -> None:
        import psycopg2
        from psycopg2 import extensions, extras

        extras.register_uuid()  # what peewee's import does when it finds psycopg2
        self.driver, self.extensions = psycopg2, extensions
        self.txn_idle = extensions.TRANSACTION_STATUS_IDLE
        self.txn_inerror = extensions.TRANSACTION_STATUS_INERROR
        self.txn_unknown = extensions.TRANSACTION_STATUS_UNKNOWN
        super().__init__()
        self.json_type = self.jsonb_type = extras.Json

    def check_driver(self) -> None:
        pass  # imported in __init__

    def get_binary_type(self) -> Any:
        return self.driver.Binary

    def connect(self, db: peewee.Database, **params: Any) -> Any:
        # peewee's Psycopg2Adapter.connect, on the driver imported above
        if db.database.startswith("postgresql://"):
            params.setdefault("dsn", db.database)
        else:
            params.setdefault("dbname", db.database)
        conn = self.driver.connect(**params)
        if db._register_unicode:
            self.extensions.register_type(self.extensions.UNICODE, conn)
            self.extensions.register_type(self.extensions.UNICODEARRAY, conn)
        if db._encoding:
            conn.set_client_encoding(db._encoding)
        return conn


# peewee's pool checks every connection it hands out with a `SELECT 1` round trip: on every
# database call (~70 µs of CPU here, and a round trip). A connection given back less than this
# long ago skips it, as HikariCP does (aliveBypassWindowMs, 500 ms); one the driver knows is
# closed or left in a transaction still takes peewee's path.
ALIVE_BYPASS_SECONDS = 0.5


class _PooledPostgres(PooledPostgresqlDatabase):
    # psycopg2 is this project's driver; peewee would pick psycopg 3 if installed, seeing none
    psycopg2_adapter = psycopg3_adapter = _Psycopg2

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._given_back: dict[int, float] = {}  # id(connection) -> when it came back
        super().__init__(*args, **kwargs)

    def _close(self, conn: Any, close_conn: bool = False) -> Any:
        self._given_back[id(conn)] = time.monotonic()
        try:
            return super()._close(conn, close_conn)
        finally:
            if conn.closed:  # closed rather than pooled (stale, not reusable)
                self._given_back.pop(id(conn), None)

    def _is_closed(self, conn: Any) -> bool:
        given_back = self._given_back.pop(id(conn), None)
        if (
            given_back is not None
            and not conn.closed
            and time.monotonic() - given_back < ALIVE_BYPASS_SECONDS
            and self._adapter.txn_status(conn) == self._adapter.txn_idle
        ):
            return False
        return super()._is_closed(conn)


def _postgres(url: str) -> peewee.Database:
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    kwargs: dict[str, Any] = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "max_connections": int(query.pop("max_connections", "16")),
        "stale_timeout": 300,
    }
    schema = query.pop("schema", None)
    if schema:
        kwargs["options"] = f"-c search_path={schema}"
    kwargs.update(query)
    return _PooledPostgres(parts.path.lstrip("/") or "quartier", **kwargs)


class Database:
    """One node's database and the threads that talk to it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_postgres = url.startswith(("postgres://", "postgresql://"))
        if self.is_postgres:
            self.peewee = _postgres(url)
        else:
            path = url.split("sqlite:///", 1)[1] if "sqlite:///" in url else url.split(":", 1)[1]
            self.peewee = _sqlite(path)
        self.executor = ThreadPoolExecutor(
            max_workers=6 if self.is_postgres else 1,
            thread_name_prefix="db",
            initializer=proxy.initialize,
            initargs=(self.peewee,),
        )
        # the readiness probe's own thread: never queued behind the work above
        self.probe_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-probe")
        self._probing: asyncio.Future | None = None
        self._probe_conn: tuple[peewee.Database, Any] | None = None

    def _call(self, fn: Callable[..., T], args: tuple, kwargs: dict, atomic: bool) -> T:
        self.peewee.connect(reuse_if_open=True)
        try:
            if atomic:
                with self.peewee.atomic():
                    return fn(*args, **kwargs)
            return fn(*args, **kwargs)
        finally:
            if self.is_postgres and not self.peewee.in_transaction():
                self.peewee.close()  # back to the pool

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run fn(*args) on a database thread (no transaction of its own)."""
        loop = asyncio.get_running_loop()
        call = functools.partial(self._call, fn, args, kwargs, False)
        # carry contextvars (the reader's language) into the database thread
        return await loop.run_in_executor(self.executor, contextvars.copy_context().run, call)

    async def atomic(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run fn(*args) on a database thread inside one transaction."""
        loop = asyncio.get_running_loop()
        call = functools.partial(self._call, fn, args, kwargs, True)
        return await loop.run_in_executor(self.executor, contextvars.copy_context().run, call)

    def bind_here(self) -> None:
        """Bind models to this database in the calling thread (CLI and migrations)."""
        proxy.initialize(self.peewee)
        self.peewee.connect(reuse_if_open=True)

    def ping(self) -> bool:
        try:
            self.peewee.execute_sql("SELECT 1").fetchone()
            return True
        except Exception:  # noqa: BLE001 - any failure means "not reachable"
            try:
                self.peewee.close()
            except Exception:  # noqa: BLE001
                pass
            return False

    def _probe_connection(self, timeout: float) -> Any:
        """The probe's own connection, opened once (outside the pool) and kept."""
        target = self.peewee
        if self._probe_conn is not None and self._probe_conn[0] is target:
            return self._probe_conn[1]
        self._drop_probe_connection()
        if isinstance(target, peewee.PostgresqlDatabase):
            params = dict(target.connect_params)
            budget = f"-c statement_timeout={int(timeout * 1000)}"
            params["options"] = f"{params.get('options') or ''} {budget}".strip()
            params["connect_timeout"] = max(1, math.ceil(timeout))
            import psycopg2

            conn = psycopg2.connect(dbname=target.database, **params)
            conn.autocommit = True
        else:
            # mode=rw: a missing file is "not ready", never an empty new database
            uri = f"file:{quote(str(target.database))}?mode=rw"
            conn = sqlite_driver().connect(uri, uri=True, timeout=timeout, check_same_thread=False)
        self._probe_conn = (target, conn)
        return conn

    def _drop_probe_connection(self) -> None:
        if self._probe_conn is not None:
            with contextlib.suppress(Exception):
                self._probe_conn[1].close()
            self._probe_conn = None

    def probe(self, timeout: float) -> bool:
        """Whether the database answers within `timeout` seconds on a connection of its own:
        neither the pool nor the database threads, so a long queue of work does not look like
        an outage (the readiness check). A failed connection is dropped and opened again."""
        try:
            conn = self._probe_connection(timeout)
            cursor = conn.cursor()
            try:
                sqlite3 = sys.modules.get("sqlite3")  # loaded if this is a SQLite connection
                cursor.execute(
                    "SELECT count(*) FROM sqlite_master"
                    if sqlite3 is not None and isinstance(conn, sqlite3.Connection)
                    else "SELECT 1"
                )
                cursor.fetchone()
            finally:
                cursor.close()
            return True
        except Exception:  # noqa: BLE001 - any failure means "not ready"
            self._drop_probe_connection()
            return False

    async def ready(self, timeout: float) -> bool:
        """`probe` on its own thread, at most one at a time (callers meanwhile share its answer),
        and False once `timeout` has passed."""
        if self._probing is None or self._probing.done():
            loop = asyncio.get_running_loop()
            self._probing = loop.run_in_executor(self.probe_executor, self.probe, timeout)
        try:
            return await asyncio.wait_for(asyncio.shield(self._probing), timeout)
        except TimeoutError:
            return False

    def close(self) -> None:
        self.probe_executor.shutdown(wait=True, cancel_futures=True)  # a probe lasts ≤ its budget
        self._drop_probe_connection()

        def _close() -> None:
            if not self.peewee.is_closed():
                self.peewee.close()
            if self.is_postgres:
                self.peewee.close_all()

        try:
            self.executor.submit(_close).result(timeout=10)
        finally:
            self.executor.shutdown(wait=True)
