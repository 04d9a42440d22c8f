"""What an uploaded file really is: image size from its header, full decoding, PDF structure (pure)."""

from __future__ import annotations

import io
import re
import struct
import threading
import warnings
import zlib
from dataclasses import dataclass
from types import ModuleType

from node.i18n import _

MAX_PIXELS = 40_000_000  # a 600 dpi A4 scan is 35 Mpx; a 50000×50000 "PNG" is 2,500 Mpx
MAX_INFLATED = 32 * 1024 * 1024  # PDF object streams inflated while looking for a page
# Parts walked in an image header (PNG chunks: a few dozen plus one per 8 KB of pixels; JPEG
# segments before the first scan: a few dozen). Pillow walks them in Python, so a file made of a
# million tiny parts would take it seconds: such a file is refused from its header.
MAX_PARTS = 10_000
MAX_OBJECT_STREAMS = 2000  # real files hold a few dozen (each packs up to ~200 objects)
# Decoding a 40 Mpx image takes up to 160 MB: a few at a time, whatever the number of uploads.
_decoding = threading.BoundedSemaphore(2)


class Refused(ValueError):
    """The file is not what it claims to be; .message says why, for the person who sent it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ImageInfo:
    format: str  # "jpeg", "png" or "webp"
    width: int
    height: int


def _damaged_image() -> Refused:
    return Refused(_("The image could not be read: the file is damaged or incomplete."))


def _png_size(data: bytes) -> tuple[int, int]:
    # signature (8), IHDR length (4) and type (4), then width and height (RFC 2083 §4.1.1)
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise _damaged_image()
    width, height = struct.unpack(">II", data[16:24])
    at = 8
    for _chunk in range(MAX_PARTS):  # chunk headers only: Pillow walks them one by one in Python
        if at + 8 > len(data) or data[at + 4 : at + 8] == b"IEND":
            return width, height
        at += 12 + int.from_bytes(data[at : at + 4], "big")
    raise _damaged_image()


def _jpeg_size(data: bytes) -> tuple[int, int]:
    # walk the markers from the frame header (SOFn) to the first scan (ITU T.81 §B.2)
    at, size = 2, None
    for _segment in range(MAX_PARTS):
        if at + 4 > len(data):
            break
        if data[at] != 0xFF:
            raise _damaged_image()
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            at += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, or the first scan: the header is over
            break
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        if length < 2:
            raise _damaged_image()
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC) and at + 9 <= len(data):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            size = size or (width, height)
        at += 2 + length
    else:
        raise _damaged_image()  # thousands of segments before the first scan: not a photo
    if size is None:
        raise _damaged_image()
    return size


def _webp_size(data: bytes) -> tuple[int, int]:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    raise _damaged_image()


def inspect_image(data: bytes, max_pixels: int = MAX_PIXELS) -> ImageInfo:
    """Format and size read from the header alone (nothing decoded); Refused past max_pixels."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        kind, (width, height) = "png", _png_size(data)
    elif data.startswith(b"\xff\xd8\xff"):
        kind, (width, height) = "jpeg", _jpeg_size(data)
    elif len(data) >= 16 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        kind, (width, height) = "webp", _webp_size(data)
    else:
        raise Refused(_("This file is not an image."))
    if width <= 0 or height <= 0:
        raise _damaged_image()
    if width * height > max_pixels:
        raise Refused(
            _(
                "The image is too large: %(width)d × %(height)d pixels (at most %(limit)d megapixels). "
                "Please send a smaller photo or scan.",
                width=width,
                height=height,
                limit=max_pixels // 1_000_000,
            )
        )
    return ImageInfo(kind, width, height)


# MPO is how Pillow names the JPEG of cameras that add a second picture (depth, preview)
_PILLOW_FORMATS = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png", "WEBP": "webp"}


def pillow() -> ModuleType:
    """PIL.Image, imported with the first image rather than at start (about 4 MB of memory a
    node without uploads never needs: bench/README.md, "Memory"), its bomb limit set to ours.
    Every decode goes through here (or through a module that did), so the limit holds first."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # refuse decompression bombs
    return Image


def unreadable_errors() -> tuple[type[BaseException], ...]:
    """What Pillow raises on a damaged or hostile file."""
    image = pillow()
    return (image.UnidentifiedImageError, image.DecompressionBombError, OSError, SyntaxError)


def decode_image(data: bytes, max_pixels: int = MAX_PIXELS) -> ImageInfo:
    """The header checked first, then every pixel decoded: a truncated or forged image is Refused."""
    info = inspect_image(data, max_pixels)
    Image = pillow()
    try:
        with _decoding, warnings.catch_warnings():
            # our own limit was checked above; Pillow's global one must not widen or narrow it
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.verify()  # PNG: every chunk's CRC up to IEND
            with Image.open(io.BytesIO(data)) as image:
                kind = _PILLOW_FORMATS.get(image.format or "", "")
                if kind != info.format or image.size != (info.width, info.height):
                    raise _damaged_image()
                image.load()  # every pixel: a truncated file fails here
    except Refused:
        raise
    except (*unreadable_errors(), ValueError, EOFError, struct.error):
        raise _damaged_image() from None
    return info


@dataclass(frozen=True)
class PdfInfo:
    version: str
    pages: int  # page objects found; 0 only for an encrypted file whose pages we cannot read
    encrypted: bool


_HEADER = re.compile(rb"%PDF-([12]\.[0-9])")
_STARTXREF = re.compile(rb"startxref\s+(\d{1,12})\s+%%EOF")
_XREF_STREAM = re.compile(rb"\d{1,10}\s+\d{1,5}\s+obj\s*<<")
_PAGE = re.compile(rb"/Type\s{0,16}/Page(?![A-Za-z0-9])")


def _damaged_pdf() -> Refused:
    return Refused(_("The PDF could not be read: the file is damaged or incomplete."))


def _inflated_object_streams(data: bytes, budget: int):
    """The contents of FlateDecode object streams (where PDF 1.5+ keeps page objects), bounded."""
    at, streams = 0, MAX_OBJECT_STREAMS
    while budget > 0:
        found = data.find(b"/ObjStm", at)
        if found < 0:
            return
        start = data.find(b"stream", found)
        if start < 0:
            return
        if start - found > 4096:
            # no stream near this mark; marks before start - 4096 have none either: skip them
            # (a file of nothing but "/ObjStm" stays linear)
            at = start - 4096
            continue
        body = start + 6
        body += 2 if data[body : body + 2] == b"\r\n" else 1
        end = data.find(b"endstream", body)
        if end < 0:
            return
        at = end + 9
        streams -= 1
        if streams < 0:
            return
        if data.find(b"/FlateDecode", max(0, found - 4096), start) < 0:
            continue
        inflater = zlib.decompressobj()
        try:
            out = inflater.decompress(data[body:end], budget)
        except zlib.error:
            continue
        budget -= len(out)
        yield out


def check_pdf(data: bytes, max_inflated: int = MAX_INFLATED) -> PdfInfo:
    """Header, end marker, cross-reference (table + trailer, or stream) and a page; else Refused."""
    header = _HEADER.match(data)
    if header is None:
        raise Refused(_("This file is not a PDF."))
    tail = data[-2048:]
    ends = list(_STARTXREF.finditer(tail))
    if not ends:
        raise _damaged_pdf()  # no `startxref … %%EOF`: cut off, or not a PDF body at all
    offset = int(ends[-1].group(1))
    if not 0 < offset < len(data):
        raise _damaged_pdf()
    section = data[offset : offset + 64].lstrip(b"\0\t\n\f\r ")
    if section.startswith(b"xref"):
        trailer_at = data.find(b"trailer", offset)
        if trailer_at < 0:
            raise _damaged_pdf()
        trailer = data[trailer_at : trailer_at + 4096]
    elif _XREF_STREAM.match(section):
        stream_at = data.find(b"stream", offset, offset + 8192)
        if stream_at < 0:
            raise _damaged_pdf()
        trailer = data[offset:stream_at]
        if not re.search(rb"/Type\s{0,16}/XRef", trailer):
            raise _damaged_pdf()
    else:
        raise _damaged_pdf()
    if b"/Root" not in trailer:
        raise _damaged_pdf()
    encrypted = b"/Encrypt" in trailer
    pages = len(_PAGE.findall(data))
    if not pages:
        pages = sum(
            len(_PAGE.findall(part)) for part in _inflated_object_streams(data, max_inflated)
        )
    if not pages and not encrypted:  # an encrypted file's object streams cannot be read here
        raise Refused(_("The PDF has no page."))
    return PdfInfo(header.group(1).decode(), pages, encrypted)
