"""The weekly digest for a building's hall: one A4 page of the week's offers, requests and events.

Each item has a small QR code to its page. Sections flow down two columns like a newspaper; what
does not fit on the one page is counted at the foot, with the quarter's page to read the rest.
"""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import urlsplit

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from node.i18n import _, ngettext
from node.local.paper import Digest, Line
from node.web import formats, pictograms
from node.web.paper import layout

W, H = A4
MARGIN = 12 * mm
GUTTER = 8 * mm
COLUMN = (W - 2 * MARGIN - GUTTER) / 2
ROW = 19 * mm  # one item: its QR code and up to three lines of text
QR = 17 * mm
HEADING = 10 * mm
TOP = H - 40 * mm
BOTTOM = 20 * mm


def _sections(found: Digest) -> list[tuple[str, list[Line]]]:
    return [
        (_("Offers"), found.offers),
        (_("Requests"), found.requests),
        (_("Events"), found.events),
    ]


def _item(canvas, line: Line, absolute: str, x: float, top: float) -> None:
    regular, bold = layout.fonts()
    layout.draw_qr(canvas, absolute, x, top - QR, QR, border=2)
    text_x = x + QR + 3 * mm
    room = COLUMN - QR - 3 * mm
    y = top - 4 * mm
    if line.kind == "event" and line.when is not None:
        when = formats.format_datetime(line.when, "medium", line.timezone or None)
        layout.text(canvas, text_x, y, layout.clip(when, bold, 8.5, room), bold, 8.5, layout.MUTED)
        y -= 4.2 * mm
        title_x, title_room = text_x, room
    else:
        pictograms.draw(canvas, line.category, text_x, y - 1.2 * mm, 5 * mm, layout.INK)
        title_x, title_room = text_x + 6.5 * mm, room - 6.5 * mm
    lines = layout.wrap(line.title, bold, 10, title_room, 2)
    for n, part in enumerate(lines):
        layout.text(canvas, title_x, y - 4.5 * n * mm, part, bold, 10)
    y -= 4.5 * len(lines) * mm
    by = (
        _("organised by %(name)s", name=line.by)
        if line.kind == "event"
        else _("by %(name)s", name=line.by)
    )
    layout.text(canvas, text_x, y, layout.clip(by, regular, 8.5, room), regular, 8.5, layout.MUTED)


def build(
    quarter_name: str,
    week: str,
    start: dt.datetime,
    found: Digest,
    base_url: str,
    quarter_url: str,
    lang: str,
) -> bytes:
    regular, bold = layout.fonts()
    buffer = io.BytesIO()
    title = _("%(quarter)s: the week %(week)s", quarter=quarter_name, week=week)
    canvas = layout.new_canvas(buffer, A4, title, lang)

    canvas.setFillColor(layout.SKY)
    canvas.rect(0, H - 32 * mm, W, 32 * mm, stroke=0, fill=1)
    name, size = layout.fit(quarter_name, bold, 24, 12, W - 2 * MARGIN - 30 * mm)
    layout.text(canvas, MARGIN, H - 15 * mm, name, bold, size)
    last = (start + dt.timedelta(days=6)).date()
    span = _(
        "New this week, %(first)s to %(last)s",
        first=formats.format_date(start.date(), "long"),
        last=formats.format_date(last, "long"),
    )
    span, size = layout.fit(span, regular, 12, 7, W - 2 * MARGIN - 30 * mm)
    layout.text(canvas, MARGIN, H - 24 * mm, span, regular, size, layout.MUTED)
    layout.draw_qr(canvas, quarter_url, W - MARGIN - 26 * mm, H - 30 * mm, 26 * mm, border=2)

    column, y = 0, TOP
    left_out = found.more
    placed_any = False
    for heading, lines in _sections(found):
        if not lines:
            continue
        for index, line in enumerate(lines):
            need = ROW + (HEADING if index == 0 else 0)
            if y - need < BOTTOM:
                if column == 1:
                    left_out += 1
                    continue
                column, y = 1, TOP
            x = MARGIN + column * (COLUMN + GUTTER)
            if index == 0 or y == TOP:
                label = heading if index == 0 else _("%(section)s (continued)", section=heading)
                layout.text(canvas, x, y - 6 * mm, label, bold, 13)
                canvas.setStrokeColor(layout.RULE)
                canvas.setLineWidth(0.5)
                canvas.line(x, y - 8 * mm, x + COLUMN, y - 8 * mm)
                y -= HEADING
            _item(canvas, line, base_url + line.path, x, y)
            placed_any = True
            y -= ROW
    if not placed_any:
        layout.text(canvas, MARGIN, TOP - 8 * mm, _("Nothing new this week."), regular, 12)

    footer = _("Scan a code to answer on %(host)s.", host=urlsplit(base_url).netloc)
    if left_out:
        footer = (
            ngettext(
                "%(num)d more item on the quarter's page.",
                "%(num)d more items on the quarter's page.",
                left_out,
            )
            + " "
            + footer
        )
    footer = layout.clip(footer, regular, 9, W - 2 * MARGIN)
    layout.centred(canvas, W / 2, 10 * mm, footer, regular, 9, layout.MUTED)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
