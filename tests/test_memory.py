"""Memory at start (issue #12): heavy libraries load when first used, not when `serve` starts.

The node is started in a fresh interpreter the way `quartier serve` starts it (node.cli imports
node.db first), serves its home page, and reports which modules it has loaded.
"""

from __future__ import annotations

import json
import os
import sqlite3
import ssl
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from babel import Locale

from node import i18n
from node.web import routes

ROOT = Path(__file__).resolve().parents[1]

# Each of these is a few MB that a node on SQLite needs only for one feature (bench/README.md).
LAZY = (
    "psycopg2",  # the PostgreSQL driver (peewee imports it at its own import when installed)
    "cryptography",  # signatures: the first federated request
    "http_message_signatures",
    "PIL",  # the first uploaded photo
    "reportlab",  # printed posters, stickers and digests
    "segno",  # QR codes
    "snowballstemmer",  # stems of shelf matching and search
    "markdown_it",  # the first resident's text shown
    "nh3",
    "argon2",  # the first password
)

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    import node.cli  # what `quartier serve` imports first
    from aiohttp.test_utils import TestClient, TestServer
    from node.app import create_app
    from node.settings import load_settings

    async def main(data_dir):
        env = {"QUARTIER_DATA_DIR": data_dir, "QUARTIER_SECRET_KEY": "memory-test",
               "QUARTIER_PUBLIC_URL": "http://127.0.0.1:8080", "QUARTIER_TILE_URL": ""}
        app = create_app(load_settings(env, None))
        async with TestClient(TestServer(app)) as client:
            statuses = [(await client.get(path)).status for path in ("/healthz", "/", "/login")]
        print(json.dumps({"statuses": statuses, "modules": sorted(sys.modules)}))

    asyncio.run(main(sys.argv[1]))
    """
)


def test_serving_pages_leaves_the_heavy_optional_libraries_unloaded(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["statuses"] == [200, 200, 200]
    loaded = {name.split(".")[0] for name in report["modules"]}
    assert sorted(set(LAZY) & loaded) == []


# What an idle node (started, no page yet) does not load: the page machinery waits for the first
# page, Babel's catalogue tools for the first translated message.
LAZY_AT_START = (
    "aiodns",  # a test dependency's, which aiohttp would take as its resolver
    "pycares",
    "jinja2",
    "prometheus_client",  # one process counts in node/tallies.py; the first scrape loads it
    "babel.messages",
    "difflib",
    "babel.support",  # with the first translated message or date shown
    "babel.dates",
    "babel.numbers",
    # the protocol's builders and handlers: with the first change to deliver, the first inbox item
    "node.activitypub.outbox",
    "node.activitypub.dispatch",
    "node.activitypub.handlers",
    "node.local.shelves.words",  # and its vocabulary: with the first text analysed
    "node.local.images",  # and filecheck: with the first photo
    "node.local.filecheck",
    # the handler modules of every area but the two a start touches (node/web/routes.py)
    *(f"node.web.{area}" for area in routes.TABLE if area not in ("health", "metrics")),
)

SERVE = textwrap.dedent(
    """
    import asyncio, json, sys
    import node.cli

    node.cli._import_aiohttp()  # what cmd_serve does first
    import aiohttp
    from aiohttp import web
    from node import ops, tls

    def run_app(app, host, port, **_):  # instead of serving for ever: start, wait, report
        async def main():
            runner = web.AppRunner(app)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = runner.addresses[0][1]
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    status = response.status
            await asyncio.sleep(1.0)  # the workers' first pass
            contexts = [aiohttp.connector._SSL_CONTEXT_VERIFIED,
                        aiohttp.connector._SSL_CONTEXT_UNVERIFIED]
            before = [c.cert_store_stats()["x509_ca"] for c in contexts]
            completed = tls.load_ca_store()
            after = [c.cert_store_stats()["x509_ca"] for c in contexts]
            modules = sorted(sys.modules)
            await runner.cleanup()
            import peewee
            sqlite = sys.modules.get("sqlite3")
            driver = None
            if sqlite is not None:  # handed to peewee as its own import would have
                from decimal import Decimal
                driver = {
                    "given": peewee.sqlite3 is sqlite,
                    "versions": [list(peewee.__sqlite_version__),
                                 list(peewee.SqliteDatabase.server_version),
                                 list(sqlite.sqlite_version_info)],
                    "adapted": (Decimal, sqlite.PrepareProtocol) in sqlite.adapters,
                }
            print(json.dumps({"status": status, "modules": modules, "ca_before": before,
                              "ca_after": after, "completed": completed, "sqlite": driver}))

        asyncio.run(main())

    ops.web.run_app = run_app
    sys.exit(node.cli.main(["serve"]))
    """
)


def serve_start(tmp_path, database_url: str) -> dict:
    """What `quartier serve` has loaded once started (to its workers' first pass)."""
    env = {
        **os.environ,
        "QUARTIER_DATA_DIR": str(tmp_path),
        "QUARTIER_DATABASE_URL": database_url,
        "QUARTIER_SECRET_KEY": "memory-test",
        "QUARTIER_PUBLIC_URL": "http://127.0.0.1:8080",
        "QUARTIER_TILE_URL": "",
    }
    done = subprocess.run(
        [sys.executable, "-c", SERVE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["status"] == 200
    return report


def loaded_early(report: dict, lazy: tuple[str, ...]) -> list[str]:
    return sorted(
        name
        for name in report["modules"]
        for module in lazy
        if name == module or name.startswith(module + ".")
    )


def test_a_plain_serve_start_leaves_pages_and_certificates_for_later(tmp_path):
    report = serve_start(tmp_path, f"sqlite:///{tmp_path / 'node.db'}")
    assert loaded_early(report, (*LAZY, *LAZY_AT_START)) == []
    # aiohttp made its two client contexts at import, without the CA bundle (node.tls) ...
    assert report["ca_before"] == [0, 0]
    # ... which the first outgoing client loads into them: as many CAs as Python's own default
    assert report["completed"] == 2
    expected = ssl.create_default_context().cert_store_stats()["x509_ca"]
    assert report["ca_after"] == [expected, expected]
    # sqlite3, kept from peewee's import (node.db), was given to it when the database was opened
    version = list(sqlite3.sqlite_version_info)
    assert report["sqlite"] == {"given": True, "versions": [version] * 3, "adapted": True}


@pytest.mark.postgres
def test_a_serve_start_on_postgresql_loads_no_sqlite(tmp_path, database_url):
    report = serve_start(tmp_path, database_url())
    driverless = tuple(name for name in LAZY if name != "psycopg2")
    assert loaded_early(report, ("sqlite3", "_sqlite3", *driverless, *LAZY_AT_START)) == []
    assert report["sqlite"] is None and "psycopg2" in report["modules"]


def test_the_lazy_libraries_still_load_where_they_are_used():
    # the other half of the bargain: the features load them on demand
    from node.local import filecheck, text
    from node.local.shelves import words

    assert filecheck.pillow().MAX_IMAGE_PIXELS == filecheck.MAX_PIXELS
    assert "<strong>x</strong>" in text.markdown_to_html("**x**")
    assert words.stem("ladders", "en") == "ladder"


def test_the_native_names_of_the_shipped_languages_are_cldrs():
    # kept as a table so that pages need not load every language's locale data from Babel
    for code in {*i18n.ui_languages(), *i18n.LANGUAGES}:
        assert i18n.NATIVE_NAMES.get(code) == Locale.parse(code).get_display_name(code), code


async def test_outgoing_clients_load_the_deferred_certificates_first():
    from node import tls
    from node.activitypub.http import SafeClient
    from node.web import geocoder

    for first_request in ("federation", "geocoder"):
        with tls.deferred_ca_store():
            context = ssl.create_default_context()  # as aiohttp's import makes its own
        assert context.cert_store_stats()["x509_ca"] == 0
        assert tls.pending() >= 1
        if first_request == "federation":
            client = SafeClient()
            client._get_session()
            await client.close()
        else:  # nothing listens there: the answer is None, the certificates are loaded anyway
            assert await geocoder.locate("http://127.0.0.1:9/search", "1 rue X", timeout=2) is None
        assert tls.pending() == 0
        expected = ssl.create_default_context().cert_store_stats()["x509_ca"]
        assert context.cert_store_stats()["x509_ca"] == expected
