"""The app's icon, drawn by us with Pillow: a house with a warm door on terracotta (PNG and ICO).

Drawn on first request and kept in memory (a few kB each); nothing is read from disk."""

from __future__ import annotations

import functools
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Pillow is imported when an icon is first drawn, not at start
    from PIL import Image

TERRACOTTA = (180, 68, 27)
PAPER = (250, 246, 241)
DOOR = (242, 169, 0)
SIZES = (64, 180, 192, 512)


def _draw(size: int, maskable: bool) -> Image.Image:
    from PIL import Image, ImageDraw

    scale = 4  # drawn large, then reduced: smooth edges without an anti-aliasing library
    side = size * scale
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:  # full bleed; the house stays inside the 80 % safe circle
        draw.rectangle([0, 0, side, side], fill=TERRACOTTA)
        inset = 0.26
    else:
        draw.rounded_rectangle([0, 0, side - 1, side - 1], radius=side * 0.22, fill=TERRACOTTA)
        inset = 0.17
    left, right = side * inset, side * (1 - inset)
    width = right - left
    top = side * (inset + 0.02)
    eave = top + width * 0.42
    bottom = side * (1 - inset)
    draw.polygon(
        [(side / 2, top), (right + width * 0.04, eave), (left - width * 0.04, eave)], fill=PAPER
    )
    body = width * 0.14
    draw.rectangle([left + body, eave - 1, right - body, bottom], fill=PAPER)
    door_w = width * 0.2
    draw.rounded_rectangle(
        [side / 2 - door_w / 2, bottom - width * 0.34, side / 2 + door_w / 2, bottom],
        radius=door_w / 2.2,
        fill=DOOR,
    )
    window = width * 0.13
    wy = eave + width * 0.08
    for wx in (left + body + width * 0.08, right - body - width * 0.08 - window):
        draw.rounded_rectangle(
            [wx, wy, wx + window, wy + window], radius=window / 5, fill=TERRACOTTA
        )
    return image.resize((size, size), Image.Resampling.LANCZOS)


@functools.lru_cache(maxsize=16)
def png(size: int, maskable: bool = False) -> bytes:
    out = io.BytesIO()
    _draw(size, maskable).save(out, "PNG", optimize=True)
    return out.getvalue()


@functools.lru_cache(maxsize=1)
def ico() -> bytes:
    out = io.BytesIO()
    _draw(64, False).save(out, "ICO", sizes=[(16, 16), (32, 32), (48, 48)])
    return out.getvalue()
