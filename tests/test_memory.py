"""Memory at start (issue #12): heavy libraries load when first used, not when `serve` starts.

The node is started in a fresh interpreter the way `quartier serve` starts it (node.cli imports
node.db first), serves its home page, and reports which modules it has loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from babel import Locale

from node import i18n

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
