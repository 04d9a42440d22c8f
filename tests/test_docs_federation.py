"""docs/federation.md's "Activities we accept" table matches HANDLERS exactly."""

import re
from pathlib import Path

from node.activitypub.dispatch import HANDLERS

DOC = Path(__file__).resolve().parents[1] / "docs" / "federation.md"


def documented_pairs():
    text = DOC.read_text()
    section = text.split("## Activities we accept", 1)[1].split("\n## ", 1)[0]
    return {
        (m.group(1), m.group(2))
        for m in re.finditer(r"^\| `([A-Za-z]+)` \| `([A-Za-z*-]+)` \|", section, re.M)
    }


def test_accepted_activities_table_matches_the_dispatch_table():
    assert documented_pairs() == set(HANDLERS)


def test_federation_md_points_at_the_docs():
    root = DOC.parents[1] / "FEDERATION.md"
    assert "docs/federation.md" in root.read_text()


def cited_tests():
    """Every `tests/….py` and `tests/….py::name` that a document under docs/ or the README cites."""
    root = DOC.parents[1]
    for doc in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
        for m in re.finditer(r"(tests/[\w/]+\.py)(?:::(\w+))?", doc.read_text()):
            yield doc.name, m.group(1), m.group(2)


def test_every_cited_test_exists():
    root = DOC.parents[1]
    missing = []
    for doc, path, name in cited_tests():
        file = root / path
        if not file.exists():
            missing.append(f"{doc}: {path}")
        elif name and not re.search(rf"^(async )?def {name}\(", file.read_text(), re.M):
            missing.append(f"{doc}: {path}::{name}")
    assert not missing, missing
