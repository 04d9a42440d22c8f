"""The protocol helper modules stay pure: no web, domain, database or environment access."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "node" / "activitypub"
PURE = [
    "vocab",
    "keys",
    "signatures",
    "signature_header",
    "rfc9421",
    "http",
    "webfinger",
    "nodeinfo",
]
FORBIDDEN = ("node.web", "node.local", "node.db", "node.settings", "peewee", "playhouse")


def imported_modules(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


@pytest.mark.parametrize("name", PURE)
def test_module_is_pure(name):
    source = (PACKAGE / f"{name}.py").read_text()
    tree = ast.parse(source)
    bad = [m for m in imported_modules(tree) if m.startswith(FORBIDDEN)]
    assert bad == []
    assert "os.environ" not in source and "getenv" not in source
