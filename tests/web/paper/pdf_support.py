"""Reading printed PDFs back: pages and sizes (pypdf), text, and QR codes decoded from the rendered page."""

from __future__ import annotations

import io

import pypdf
import pypdfium2
import zxingcpp

MM = 72 / 25.4  # PDF points per millimetre


def reader(body: bytes) -> pypdf.PdfReader:
    assert body.startswith(b"%PDF-"), body[:40]
    return pypdf.PdfReader(io.BytesIO(body))


def page_sizes_mm(body: bytes) -> list[tuple[int, int]]:
    """Each page's (width, height) in whole millimetres."""
    return [
        (round(float(p.mediabox.width) / MM), round(float(p.mediabox.height) / MM))
        for p in reader(body).pages
    ]


def text(body: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in reader(body).pages)


def qr_codes(body: bytes, page: int = 0, dpi: int = 300) -> list[str]:
    """The QR codes found on the rendered page (rendered by pdfium, decoded by zxing-cpp)."""
    image = pypdfium2.PdfDocument(body)[page].render(scale=dpi / 72).to_pil().convert("L")
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [code.text for code in found]


def embedded_fonts(body: bytes) -> set[str]:
    """Base names of the fonts whose glyphs travel inside the file (FontFile2: TrueType)."""
    names = set()
    for page in reader(body).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is not None and "/FontFile2" in descriptor.get_object():
                    names.add(str(font["/BaseFont"]).split("+")[-1])
    return names
