"""No merge-conflict markers land in the tree (one reached bench/README.md once)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(rb"^(<{7} |>{7} |={7}$)", re.MULTILINE)


def tracked_text_files() -> list[Path]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        names = [n for n in out.decode().split("\0") if n]
    except (OSError, subprocess.CalledProcessError):
        names = []
    if not names:  # not a git checkout (an unpacked source tree): read what is there
        return [p for p in ROOT.rglob("*") if p.is_file() and ".venv" not in p.parts]
    return [ROOT / n for n in names]


def test_no_file_holds_a_merge_conflict_marker():
    suffixes = {".py", ".md", ".html", ".po", ".toml", ".yml", ".yaml", ".js", ".css", ".txt", ""}
    files = [p for p in tracked_text_files() if p.suffix in suffixes and "vendor" not in p.parts]
    if len(files) < 50:
        pytest.fail(f"expected the project's files, found {len(files)}")
    found = []
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        for match in MARKER.finditer(data):
            line = data.count(b"\n", 0, match.start()) + 1
            found.append(f"{path.relative_to(ROOT)}:{line}")
    assert not found, f"merge-conflict markers: {found}"
