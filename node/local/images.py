"""Uploaded images: sized from the header before anything is decoded, then shrunk and re-encoded.

`inspect` reads only the header (cheap, safe on any thread) and refuses images over the pixel cap, so
a 128 kB PNG that would decode to 160 MB is turned away before it costs anything. `save` does the
expensive part (decode, shrink, re-encode, write) and is meant for the node's image threads, never
the database threads nor a transaction: see node/imaging.py.
"""

from __future__ import annotations

import contextlib
import io
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from node import files
from node.i18n import _
from node.local import filecheck, uploads
from node.local.errors import Invalid

if TYPE_CHECKING:  # Pillow is imported with the first image (filecheck.pillow)
    from PIL import Image

FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
# bytes per decoded pixel: Pillow keeps RGB as 32-bit pixels, like RGBA, I and F
BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "LA": 4, "PA": 4}


@dataclass(frozen=True)
class Header:
    """What the header says: type, size, and the memory a decode will take (after JPEG draft)."""

    mime: str
    width: int
    height: int
    cost: int


@dataclass(frozen=True)
class Saved:
    """A stored image: one file name per requested side (largest first), and the largest's size."""

    names: tuple[str, ...]
    mime: str
    width: int
    height: int


def _unreadable(field: str) -> Invalid:
    message = _("The image could not be read.")
    return Invalid(message, {field: message})


def fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    """The size of `size` shrunk (never enlarged) to fit a side × side box."""
    width, height = size
    scale = min(1.0, side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _open(data: bytes, mime: str) -> Image.Image:
    """Lazily (the header only, until load), and only as the type sniffed from the bytes."""
    return filecheck.pillow().open(io.BytesIO(data), formats=[FORMATS[mime]])


def inspect(data: bytes, max_pixels: int, max_bytes: int, field: str, side: int) -> Header:
    """Type, size and decode cost of an upload from its header alone; Invalid when refused.

    Nothing is decoded here: over `max_pixels`, the image is refused with its dimensions."""
    mime = uploads.check_upload(data, uploads.IMAGE_TYPES, max_bytes, field=field)
    try:
        info = filecheck.inspect_image(data, max_pixels)  # the header, parsed by hand
    except filecheck.Refused as exc:
        raise Invalid(exc.message, {field: exc.message}) from None
    try:
        with _open(data, mime) as image:
            if image.size != (info.width, info.height):
                raise _unreadable(field)
            if image.format in ("JPEG", "MPO"):
                # DCT scaling: a large JPEG decodes at 1/2, 1/4 or 1/8 of its size, never below
                # `side`; what the decode then costs is what the budget must hold
                image.draft(None, fit(image.size, side))
            cost = image.size[0] * image.size[1] * BYTES_PER_PIXEL.get(image.mode, 4)
    except (*filecheck.unreadable_errors(), ValueError):
        raise _unreadable(field) from None
    return Header(mime=mime, width=info.width, height=info.height, cost=cost)


def _encode(image: Image.Image, mime: str) -> bytes:
    out = io.BytesIO()
    if mime == "image/png":
        image.save(out, "PNG", optimize=True)
    elif mime == "image/webp":
        image.save(out, "WEBP", quality=82)
    else:
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def render(
    data: bytes, mime: str, sides: Iterable[int], field: str = "photo"
) -> list[tuple[bytes, int, int]]:
    """(bytes, width, height) of the image fitted to each side, EXIF/GPS and metadata dropped.

    Memory stays near one decoded image: JPEG decodes at a reduced scale, the image is shrunk
    in place before the EXIF orientation is applied, and smaller sides come from the first."""
    sides = list(sides)
    try:
        with _open(data, mime) as image:
            if image.format in ("JPEG", "MPO"):
                image.draft(None, fit(image.size, sides[0]))
            image.thumbnail((sides[0], sides[0]))  # decodes, then drops the full-size pixels
            from PIL import ImageOps

            ImageOps.exif_transpose(image, in_place=True)
            # keep only what drawing needs: EXIF (GPS, camera), XMP and comments go
            image.info = {
                k: v for k, v in image.info.items() if k in ("transparency", "icc_profile")
            }
            out = []
            for side in sides:
                if side < max(image.size):
                    image.thumbnail((side, side))
                out.append((_encode(image, mime), image.width, image.height))
            return out
    except (*filecheck.unreadable_errors(), ValueError):
        raise _unreadable(field) from None


def save(folder: Path, data: bytes, mime: str, sides: Iterable[int], field: str = "photo") -> Saved:
    """Render for each side and write the files under random names in folder (images thread)."""
    rendered = render(data, mime, sides, field)
    files.private_dir(folder)
    extension = uploads.IMAGE_TYPES[mime]
    names: list[str] = []
    try:
        for content, _w, _h in rendered:
            name = f"{secrets.token_urlsafe(16)}.{extension}"
            files.write_private(folder / name, content)
            names.append(name)
    except OSError:
        discard(folder, names)
        raise
    _, width, height = rendered[0]
    return Saved(names=tuple(names), mime=mime, width=width, height=height)


def discard(folder: Path, names: Iterable[str]) -> None:
    """Remove files written for a change that did not commit."""
    for name in names:
        if name and "/" not in name and not name.startswith("."):
            with contextlib.suppress(OSError):
                (folder / name).unlink()
