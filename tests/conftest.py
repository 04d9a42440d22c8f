"""Shared fixtures: one node per test on SQLite (default) or PostgreSQL (--db=postgres)."""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from pathlib import Path

import psycopg2
import pytest

from node.app import create_app
from node.settings import load_settings

PG_DSN = os.environ.get("QUARTIER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def pytest_addoption(parser):
    parser.addoption(
        "--db",
        default=os.environ.get("QUARTIER_TEST_DB", "sqlite"),
        choices=["sqlite", "postgres"],
        help="database of the nodes under test",
    )


def _pg_connect():
    m = re.match(r"postgresql://(?:(\w+)@)?([\w.]+):(\d+)/(\w+)", PG_DSN)
    user, host, port, name = m.groups()
    conn = psycopg2.connect(host=host, port=int(port), user=user or "postgres", dbname=name)
    conn.autocommit = True
    return conn


@pytest.fixture
def database_url(request, tmp_path):
    """A fresh, empty database for each node a test makes (call it again for a second node)."""
    kind = request.config.getoption("--db")
    made: list[str] = []

    def make(name: str = "node") -> str:
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / name / 'quartier.db'}"
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with _pg_connect() as conn, conn.cursor() as cur:
            cur.execute(f"CREATE SCHEMA {schema}")
        made.append(schema)
        return f"{PG_DSN}?schema={schema}&max_connections=8"

    yield make
    if made:
        conn = _pg_connect()
        with conn.cursor() as cur:
            for schema in made:
                cur.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.close()


@pytest.fixture
def make_settings(tmp_path, database_url):
    def make(name: str = "node", **overrides):
        data_dir = tmp_path / name
        data_dir.mkdir(parents=True, exist_ok=True)
        values = {
            "data_dir": str(data_dir),
            "database_url": database_url(name),
            "secret_key": f"test-secret-{name}",
            "run_workers": False,  # tests advance background work with node.drain()
            "tile_url": "",  # never fetch map tiles in tests
            "default_language": "en",
            "public_url": "http://127.0.0.1:8080",
            # sign in the event loop: no helper process per test node (test_fanout.py and
            # the served nodes of tests/ops run the helpers)
            "sign_processes": 0,
        }
        values.update(overrides)
        return load_settings({}, None, **values)

    return make


@pytest.fixture
def settings(make_settings):
    return make_settings()


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
async def client(aiohttp_client, app):
    return await aiohttp_client(app)


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests run in the PostgreSQL run (not collected on SQLite). Browser tests
    need Debian's chromium: skipped on a machine without it, never in CI."""
    if config.getoption("--db") != "postgres":
        only_pg = [item for item in items if item.get_closest_marker("postgres")]
        if only_pg:
            config.hook.pytest_deselected(items=only_pg)
            items[:] = [item for item in items if not item.get_closest_marker("postgres")]
    if Path("/usr/bin/chromium").exists():
        return
    if os.environ.get("CI"):
        raise pytest.UsageError("CI must run the browser tests: /usr/bin/chromium is missing")
    skip = pytest.mark.skip(reason="Debian chromium is not installed (see .ci/run)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
async def cleanup():
    """What a test started (servers, peers, sessions, databases) registered for teardown: run after
    the test in reverse order, pass or fail (`cleanup.push_async_callback(runner.cleanup)`)."""
    async with contextlib.AsyncExitStack() as stack:
        yield stack
