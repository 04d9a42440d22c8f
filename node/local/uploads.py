"""Uploaded files: type from the bytes (never the name), image re-encoding without metadata, storage."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from pathlib import Path

from node import files
from node.i18n import _
from node.local import filecheck
from node.local.errors import Invalid

IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
DOCUMENT_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def sniff(data: bytes) -> str | None:
    """The media type from the file's magic bytes, for the types we accept; None otherwise."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_upload(data: bytes, allowed: dict[str, str], max_bytes: int, field: str = "file") -> str:
    """The sniffed type of an upload, or Invalid with a clear message (type, size, emptiness)."""
    if not data:
        raise Invalid(_("The file is empty."), {field: _("The file is empty.")})
    if len(data) > max_bytes:
        message = _("The file is too large (at most %(mb)d MB).", mb=max_bytes // (1024 * 1024))
        raise Invalid(message, {field: message})
    kind = sniff(data)
    if kind not in allowed:
        names = ", ".join(ext.upper() for ext in dict.fromkeys(allowed.values()))
        message = _("This type of file is not accepted. Accepted: %(types)s.", types=names)
        raise Invalid(message, {field: message})
    return kind


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    mime: str
    width: int
    height: int


def process_image(data: bytes, max_side: int, mime: str | None = None) -> ProcessedImage:
    """Decode, apply EXIF orientation, shrink to max_side and re-encode: EXIF, GPS and all metadata go."""
    Image = filecheck.pillow()
    from PIL import ImageOps

    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            image = ImageOps.exif_transpose(opened)
    except filecheck.unreadable_errors():
        message = _("The image could not be read.")
        raise Invalid(message, {"photo": message}) from None
    image.thumbnail((max_side, max_side))
    out = io.BytesIO()
    kind = mime or Image.MIME.get(image.format or "", "image/jpeg")
    if kind == "image/png":
        image.save(out, "PNG", optimize=True)
    elif kind == "image/webp":
        image.save(out, "WEBP", quality=82)
    else:
        kind = "image/jpeg"
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=85, optimize=True)
    return ProcessedImage(out.getvalue(), kind, image.width, image.height)


def store(folder: Path, data: bytes, extension: str) -> str:
    """Write bytes under a random name in folder; return the name."""
    files.private_dir(folder)
    name = f"{secrets.token_urlsafe(16)}.{extension}"
    files.write_private(folder / name, data)
    return name
