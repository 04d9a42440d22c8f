"""How people appear on cards: initials and a stable colour tone when they have no picture."""

from __future__ import annotations

import zlib

TONES = 6  # .avatar.t0 … .t5 in quartier.css, all with white text at 4.5:1 or more


def initials(name: str | None) -> str:
    """Up to two letters: the first of the first two words ("Bob Le Gall" → "BL")."""
    words = [w for w in (name or "").replace("_", " ").replace(".", " ").split() if w[:1].isalnum()]
    letters = "".join(w[0] for w in words[:2]).upper()
    return letters or "?"


def tone(name: str | None) -> str:
    """The same person always gets the same colour (a CSS class)."""
    return f"t{zlib.crc32((name or '').encode()) % TONES}"


FILTERS = {"initials": initials, "tone": tone}
