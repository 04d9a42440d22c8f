"""docs/federation.md's "Activities we accept" table matches HANDLERS exactly."""

import re
from pathlib import Path

from node.activitypub.handlers import HANDLERS

DOC = Path(__file__).resolve().parents[1] / "docs" / "federation.md"


def documented_pairs():
    text = DOC.read_text()
    section = text.split("## Activities we accept", 1)[1].split("\n## ", 1)[0]
    return {
        (m.group(1), m.group(2))
        for m in re.finditer(r"^\| `([A-Za-z]+)` \| `([A-Za-z*]+)` \|", section, re.M)
    }


def test_accepted_activities_table_matches_the_dispatch_table():
    assert documented_pairs() == set(HANDLERS)


def test_federation_md_points_at_the_docs():
    root = DOC.parents[1] / "FEDERATION.md"
    assert "docs/federation.md" in root.read_text()
