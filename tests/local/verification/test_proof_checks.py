"""Proofs of address are read in full: forged, truncated or oversized files are refused with a reason."""

from __future__ import annotations

import html
import io
import re
import struct
import time
import zlib

import pytest
from helpers import PDF, login, make_quarter, make_resident, node_of, pdf_bytes, post_file
from PIL import Image
from test_verification import documents

from node.local import filecheck
from node.local.verification import AddressProof


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header (with a correct CRC) claims a size its few bytes of data never hold."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + png_chunk(b"IEND", b"")
    )


def noise(size=(600, 400)) -> Image.Image:
    return Image.frombytes(
        "RGB", size, bytes((i * 7919) % 251 for i in range(size[0] * size[1] * 3))
    )


def encoded(image: Image.Image, kind: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def jpeg_claiming(width: int, height: int) -> bytes:
    real = encoded(noise((64, 48)), "JPEG")
    at = real.index(b"\xff\xc0")  # baseline frame header: length, precision, height, width
    return real[: at + 5] + struct.pack(">HH", height, width) + real[at + 9 :]


def pdf_with_object_streams(*objects: bytes, filler: bytes = b"") -> bytes:
    """PDF 1.5 as modern producers write it: objects in a compressed stream, an xref stream."""
    offsets, inner = [], b""
    for content in objects:
        offsets.append(len(inner))
        inner += content + b"\n"
    head = b" ".join(b"%d %d" % (n, off) for n, off in enumerate(offsets, 1)) + b"\n"
    packed = zlib.compress(head + inner + filler)
    body = b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n"
    stream_number = len(objects) + 1
    stream_at = len(body)
    body += b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\n" % (
        stream_number,
        len(objects),
        len(head),
        len(packed),
    )
    body += b"stream\n" + packed + b"\nendstream\nendobj\n"
    xref_at = len(body)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 2, stream_number, i) for i in range(len(objects))]
    rows += [struct.pack(">BIH", 1, stream_at, 0), struct.pack(">BIH", 1, xref_at, 0)]
    table = zlib.compress(b"".join(rows))
    body += (
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Filter /FlateDecode"
        b" /Length %d >>\nstream\n" % (stream_number + 1, stream_number + 2, len(table))
    )
    body += table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    return body


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"
UNREADABLE_IMAGE = "The image could not be read: the file is damaged or incomplete."
UNREADABLE_PDF = "The PDF could not be read: the file is damaged or incomplete."

GOOD_PNG = encoded(noise(), "PNG")
GOOD_JPEG = encoded(noise(), "JPEG", quality=90)
SCAN = GOOD_JPEG.index(b"\xff\xda")  # where the header ends and the pixels begin

# name -> (bytes, file name, declared type, what the page must say)
FORGED_IMAGES = {
    "35-byte JPEG holding HTML": (
        (b"\xff\xd8\xff" + b"<html><script>alert(document.cookie)</script>")[:35],
        "bill.jpg",
        "image/jpeg",
        UNREADABLE_IMAGE,
    ),
    "truncated PNG": (GOOD_PNG[: len(GOOD_PNG) // 2], "bill.png", "image/png", UNREADABLE_IMAGE),
    "PNG with a corrupted pixel chunk": (
        GOOD_PNG[:200] + bytes([GOOD_PNG[200] ^ 0xFF]) + GOOD_PNG[201:],
        "bill.png",
        "image/png",
        UNREADABLE_IMAGE,
    ),
    "PNG header claiming 50000×50000": (
        png_claiming(50_000, 50_000),
        "bill.png",
        "image/png",
        "The image is too large: 50000 × 50000 pixels (at most 40 megapixels)",
    ),
    "PNG signature over a JPEG body": (
        b"\x89PNG\r\n\x1a\n" + GOOD_JPEG[2:],
        "bill.png",
        "image/png",
        UNREADABLE_IMAGE,
    ),
    "PNG of 200,000 tiny text chunks before its pixels": (
        GOOD_PNG[:33] + png_chunk(b"tEXt", b"a\0b") * 200_000 + GOOD_PNG[33:],
        "bill.png",
        "image/png",
        UNREADABLE_IMAGE,
    ),
    "truncated JPEG": (
        GOOD_JPEG[: len(GOOD_JPEG) // 2],
        "bill.jpg",
        "image/jpeg",
        UNREADABLE_IMAGE,
    ),
    "JPEG of 500,000 comment segments before its scan": (
        GOOD_JPEG[:SCAN] + b"\xff\xfe\x00\x02" * 500_000 + GOOD_JPEG[SCAN:],
        "bill.jpg",
        "image/jpeg",
        UNREADABLE_IMAGE,
    ),
    "JPEG frame claiming 65000×65000": (
        jpeg_claiming(65_000, 65_000),
        "bill.jpg",
        "image/jpeg",
        "The image is too large: 65000 × 65000 pixels",
    ),
}

NO_PAGES = b"<< /Type /Pages /Kids [] /Count 0 >>"
MODERN_PDF = pdf_with_object_streams(CATALOG, PAGES, PAGE)

# name -> (bytes, what the page must say); each is sent as bill.pdf, application/pdf
FORGED_PDFS = {
    "PDF header over HTML": (
        b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n",
        UNREADABLE_PDF,
    ),
    "PDF cut before its end": (PDF[: len(PDF) - 40], UNREADABLE_PDF),
    "end marker without a cross-reference": (
        PDF[: PDF.index(b"xref")] + b"%%EOF\n",
        UNREADABLE_PDF,
    ),
    "catalog without a page (the test suite's old PDF)": (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
        UNREADABLE_PDF,
    ),
    "well-formed PDF without a page": (pdf_bytes(CATALOG, NO_PAGES), "The PDF has no page."),
    "startxref beyond the file": (
        re.sub(rb"startxref\n\d+", b"startxref\n99999999", PDF),
        UNREADABLE_PDF,
    ),
    "startxref pointing into the header": (
        re.sub(rb"startxref\n\d+", b"startxref\n3", PDF),
        UNREADABLE_PDF,
    ),
    "trailer without a root": (PDF.replace(b"/Root 1 0 R", b"/Info 1 0 R"), UNREADABLE_PDF),
    "xref stream that is not one": (
        MODERN_PDF.replace(b"/Type /XRef", b"/Type /Xobj"),
        UNREADABLE_PDF,
    ),
    "object stream inflating to 64 MB without a page": (
        pdf_with_object_streams(CATALOG, NO_PAGES, filler=b" " * (64 * 1024 * 1024)),
        "The PDF has no page.",
    ),
}


async def seeded(client):
    node = node_of(client)
    await make_quarter(node, "centre", postcodes=("35400",))
    await make_resident(node, "alice", verified=False)
    await make_resident(node, "mod", role="moderator")
    await login(client, "alice")
    return node


async def send(client, data, filename, content_type):
    return await post_file(
        client, "/settings/verification", "document", data, filename, content_type
    )


async def test_forged_truncated_and_oversized_images_are_refused(client):
    node = await seeded(client)
    answers = {}
    for name, (data, filename, content_type, message) in FORGED_IMAGES.items():
        response = await send(client, data, filename, content_type)
        page = html.unescape(await response.text())
        answers[name] = (response.status, message in page)
    assert answers == {name: (400, True) for name in FORGED_IMAGES}
    assert documents(node) == []
    assert await node.db.run(lambda: AddressProof.select().count()) == 0


async def test_decompression_bomb_is_refused_from_its_header(client):
    node = await seeded(client)
    bomb = encoded(Image.new("1", (7000, 7000)), "PNG")  # 49 megapixels in a few kilobytes
    assert len(bomb) < 100_000
    response = await send(client, bomb, "scan.png", "image/png")
    assert response.status == 400
    assert "7000 × 7000 pixels (at most 40 megapixels)" in html.unescape(await response.text())
    assert documents(node) == []


async def test_forged_and_broken_pdfs_are_refused(client):
    node = await seeded(client)
    answers = {}
    for name, (data, message) in FORGED_PDFS.items():
        response = await send(client, data, "bill.pdf", "application/pdf")
        page = html.unescape(await response.text())
        answers[name] = (response.status, message in page)
    assert answers == {name: (400, True) for name in FORGED_PDFS}
    assert documents(node) == []
    assert await node.db.run(lambda: AddressProof.select().count()) == 0


async def test_real_scans_photos_and_pdfs_are_accepted(client):
    node = await seeded(client)
    photo = noise((1200, 1600))
    exif = Image.Exif()
    exif[0x0112] = 6  # a phone photo taken sideways
    accepted = {
        "PNG scan": (GOOD_PNG, "scan.png", "image/png"),
        "phone JPEG with EXIF": (encoded(photo, "JPEG", exif=exif), "IMG_0001.JPG", "image/jpeg"),
        "grey JPEG": (encoded(photo.convert("L"), "JPEG"), "scan.jpg", "image/jpeg"),
        "PDF with a cross-reference table": (PDF, "bill.pdf", "application/pdf"),
        "PDF 1.5 with object and xref streams": (MODERN_PDF, "bill.pdf", "application/pdf"),
        "PDF written by Pillow": (encoded(photo, "PDF"), "scan.pdf", "application/pdf"),
    }
    statuses = {}
    for name, (data, filename, content_type) in accepted.items():
        statuses[name] = (await send(client, data, filename, content_type)).status
    assert statuses == {name: 303 for name in accepted}
    states = await node.db.run(lambda: [p.state for p in AddressProof.select()])
    assert states == ["withdrawn"] * (len(accepted) - 1) + ["pending"]


async def test_a_proof_is_served_as_a_sandboxed_attachment(client):
    node = await seeded(client)
    assert (await send(client, GOOD_PNG, "scan.png", "image/png")).status == 303
    proof_id = await node.db.run(lambda: AddressProof.get().id)
    client.session.cookie_jar.clear()
    await login(client, "mod")
    opened = await client.get(f"/admin/verification/{proof_id}/document")
    assert opened.status == 200 and await opened.read() == GOOD_PNG
    assert opened.headers["Content-Type"] == "image/png"
    assert opened.headers["Content-Disposition"].startswith("attachment;")
    assert opened.headers["Content-Security-Policy"].startswith("sandbox")
    assert opened.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "data,expected",
    [
        (GOOD_PNG, ("png", 600, 400)),
        (GOOD_JPEG, ("jpeg", 600, 400)),
        (encoded(noise((33, 17)), "WEBP"), ("webp", 33, 17)),
        (encoded(noise((33, 17)), "WEBP", lossless=True), ("webp", 33, 17)),
        (png_claiming(50_000, 50_000)[:24], None),  # header only: enough to refuse
    ],
)
def test_inspect_image_reads_the_header_alone(data, expected):
    """The pure check other uploads reuse: format and size without decoding a pixel."""
    if expected is None:
        with pytest.raises(filecheck.Refused):
            filecheck.inspect_image(data, 40_000_000)
        return
    info = filecheck.inspect_image(data, 40_000_000)
    assert (info.format, info.width, info.height) == expected


def test_pdf_made_of_object_stream_marks_is_walked_in_linear_time():
    marks = b"%PDF-1.4\n" + b"/ObjStm " * 1_000_000  # 8 MB: each mark once looked 4 KB ahead
    hostile = marks + b"\nxref\n0 1\ntrailer << /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % len(
        marks
    )
    started = time.perf_counter()
    with pytest.raises(filecheck.Refused, match="no page"):
        filecheck.check_pdf(hostile)
    assert time.perf_counter() - started < 5  # about 0.05 s; 12 s before the walk skipped ahead
