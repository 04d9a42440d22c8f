"""Shared pieces of printed pages: the embedded font, colours, vector QR codes, fitted and wrapped text."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import segno
from reportlab.lib.colors import HexColor, white
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONTS_DIR = Path(__file__).resolve().parent / "fonts"  # package data (see pyproject.toml)
REGULAR = "QuartierSans"
BOLD = "QuartierSans-Bold"

INK = HexColor("#1d3557")  # dark blue: text and pictograms
SKY = HexColor("#cde9f8")  # the light blue of letterbox stickers (Pumpipumpe's colour family)
MUTED = HexColor("#4a5a70")
RULE = HexColor("#9fb3c8")


@cache
def fonts() -> tuple[str, str]:
    """Register DejaVu Sans (accents, ß, ø, œ …) once; reportlab embeds the glyphs used as a subset."""
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONTS_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONTS_DIR / "DejaVuSans-Bold.ttf")))
    return REGULAR, BOLD


def new_canvas(buffer: io.BytesIO, pagesize: tuple[float, float], title: str, lang: str) -> Canvas:
    fonts()
    canvas = Canvas(buffer, pagesize=pagesize, lang=lang, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor("Quartier")
    canvas.setCreator("Quartier")
    return canvas


def draw_qr(canvas: Canvas, data: str, x: float, y: float, size: float, border: int = 4) -> None:
    """A QR code as vector squares, `size` points wide including its white quiet zone (`border`
    modules; the standard asks for 4), lower-left corner at (x, y)."""
    qr = segno.make(data, error="m", micro=False)
    rows = [list(row) for row in qr.matrix_iter(scale=1, border=border)]
    module = size / len(rows)
    canvas.saveState()
    canvas.setFillColor(white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(INK)
    path = canvas.beginPath()
    for r, row in enumerate(rows):
        top = y + size - (r + 1) * module
        c = 0
        while c < len(row):  # one rectangle per run of dark modules: smaller files
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                # a hair wider than a module so neighbouring runs never leave a white seam
                path.rect(x + start * module, top, (c - start) * module, module * 1.02)
            else:
                c += 1
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


def width(text: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, font, size)


def clip(text: str, font: str, size: float, room: float) -> str:
    """The text cut with an ellipsis so that it fits in `room` points."""
    if width(text, font, size) <= room:
        return text
    while text and width(text + "…", font, size) > room:
        text = text[:-1]
    return text.rstrip() + "…"


def fit(text: str, font: str, largest: float, smallest: float, room: float) -> tuple[str, float]:
    """The largest font size (down to `smallest`) at which the text fits; clipped below that."""
    size = largest
    while size > smallest and width(text, font, size) > room:
        size -= 0.5
    return clip(text, font, size, room), size


def wrap(text: str, font: str, size: float, room: float, max_lines: int) -> list[str]:
    """Greedy word wrap into at most `max_lines` lines; the last one is clipped if text is left."""
    lines: list[str] = []
    words = text.split()
    current = ""
    while words:
        word = words.pop(0)
        candidate = f"{current} {word}".strip()
        if width(candidate, font, size) <= room or not current:
            current = candidate
            continue
        lines.append(current)
        current = word
        if len(lines) == max_lines - 1:
            current = " ".join([current, *words])
            words = []
    if current:
        lines.append(current)
    return [clip(line, font, size, room) for line in lines[:max_lines]]


def text(canvas: Canvas, x: float, y: float, value: str, font: str, size: float, color=INK) -> None:
    canvas.setFillColor(color)
    canvas.setFont(font, size)
    canvas.drawString(x, y, value)


def centred(canvas: Canvas, x: float, y: float, value: str, font: str, size: float, color=INK):
    canvas.setFillColor(color)
    canvas.setFont(font, size)
    canvas.drawCentredString(x, y, value)
