"""The letterbox sticker: a resident's first name, the pictograms of their shelf and a QR code to it.

One sticker is a landscape A7 (105 × 74 mm). `a7` is a page of that size (print shops, label
printers); `a4` is a sheet of eight (2 × 4, A4 portrait) with cut lines, for a home printer.
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from node.i18n import _
from node.local.paper import Sticker
from node.web import pictograms
from node.web.paper import layout

FORMATS = ("a7", "a4")
DEFAULT_FORMAT = "a7"
CELL_W, CELL_H = 105 * mm, 74 * mm  # A7, landscape
SHOWN = 6  # pictograms on one sticker, the most stocked categories first
AREA_W, AREA_H, AREA_TOP = 53 * mm, 36 * mm, 55 * mm  # the pictograms' area, left of the QR code


def _grid(count: int) -> tuple[int, int, float]:
    """(columns, rows, pictogram size) for the left area of 53 × 36 mm."""
    if count <= 1:
        return 1, 1, 32 * mm
    if count == 2:
        return 2, 1, 24 * mm
    if count <= 4:
        return 2, 2, 16 * mm
    return 3, 2, 15 * mm


def slots(count: int) -> list[tuple[float, float, float]]:
    """Where the pictograms go on a sticker: (x, y, size) of each, from its lower-left corner."""
    columns, rows, picto = _grid(count)
    gap_x = (AREA_W - columns * picto) / columns
    gap_y = (AREA_H - rows * picto) / rows
    found = []
    for i in range(count):
        col, row = i % columns, i // columns
        px = 7 * mm + gap_x / 2 + col * (picto + gap_x)
        py = AREA_TOP - gap_y / 2 - (row + 1) * picto - row * gap_y
        found.append((px, py, picto))
    return found


def draw_one(canvas, data: Sticker, url: str, x: float, y: float) -> None:
    """One sticker with its lower-left corner at (x, y)."""
    regular, bold = layout.fonts()
    inset = 3 * mm
    canvas.setFillColor(layout.SKY)
    canvas.roundRect(
        x + inset, y + inset, CELL_W - 2 * inset, CELL_H - 2 * inset, 4 * mm, stroke=0, fill=1
    )
    left, right = x + 7 * mm, x + CELL_W - 7 * mm

    heading, size = layout.fit(_("%(name)s lends", name=data.first_name), bold, 17, 9, right - left)
    layout.text(canvas, left, y + 58 * mm, heading, bold, size)

    qr_size = 34 * mm
    qr_x = right - qr_size
    layout.draw_qr(canvas, url, qr_x, y + 16 * mm, qr_size, border=3)
    parts = urlsplit(url)
    short, small = layout.fit(parts.netloc + parts.path, regular, 6, 4, qr_size)
    layout.centred(canvas, qr_x + qr_size / 2, y + 11.5 * mm, short, regular, small, layout.MUTED)

    slugs = data.categories[:SHOWN] or [pictograms.FALLBACK]
    for slug, (px, py, size) in zip(slugs, slots(len(slugs)), strict=True):
        pictograms.draw(canvas, slug, x + px, y + py, size, layout.INK)

    lines = layout.wrap(_("Scan to see what is free to borrow today."), regular, 7, AREA_W, 2)
    for n, line in enumerate(lines):
        layout.text(canvas, left, y + (14 - 3.2 * n) * mm, line, regular, 7, layout.MUTED)


def build(data: Sticker, url: str, fmt: str, lang: str) -> bytes:
    """The PDF: one A7 sticker (`a7`) or a sheet of eight on A4 (`a4`)."""
    buffer = io.BytesIO()
    title = _("Letterbox sticker of %(name)s", name=data.first_name)
    if fmt == "a4":
        canvas = layout.new_canvas(buffer, A4, title, lang)
        top_margin = (A4[1] - 4 * CELL_H) / 2
        for i in range(8):
            col, row = i % 2, i // 2
            draw_one(canvas, data, url, col * CELL_W, A4[1] - top_margin - (row + 1) * CELL_H)
        _cut_lines(canvas, top_margin)
    else:
        canvas = layout.new_canvas(buffer, (CELL_W, CELL_H), title, lang)
        draw_one(canvas, data, url, 0, 0)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _cut_lines(canvas, top_margin: float) -> None:
    canvas.saveState()
    canvas.setStrokeColor(layout.RULE)
    canvas.setLineWidth(0.3)
    canvas.setDash(2, 3)
    canvas.line(CELL_W, 0, CELL_W, A4[1])
    for row in range(5):
        level = A4[1] - top_margin - row * CELL_H
        canvas.line(0, level, A4[0], level)
    canvas.restoreState()
