"""The quarter's A4 poster for a bakery or a hall: join your neighbours, a QR code, the newest offers."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from node.i18n import _
from node.local.paper import Line
from node.web import pictograms
from node.web.paper import layout

W, H = A4


def build(
    quarter_name: str, invite_url: str, offers: list[Line], base_url: str, lang: str
) -> bytes:
    regular, bold = layout.fonts()
    buffer = io.BytesIO()
    canvas = layout.new_canvas(
        buffer, A4, _("Join your neighbours in %(quarter)s", quarter=quarter_name), lang
    )
    margin = 15 * mm
    room = W - 2 * margin

    # the band: the quarter's name and the invitation
    canvas.setFillColor(layout.SKY)
    canvas.rect(0, H - 72 * mm, W, 72 * mm, stroke=0, fill=1)
    name, size = layout.fit(quarter_name, bold, 40, 16, room)
    layout.text(canvas, margin, H - 32 * mm, name, bold, size)
    invite, size = layout.fit(_("Join your neighbours"), bold, 26, 12, room)
    layout.text(canvas, margin, H - 50 * mm, invite, bold, size, layout.MUTED)
    tagline = _("Lend and borrow, give, help and meet: your quarter online, run by neighbours.")
    for n, line in enumerate(layout.wrap(tagline, regular, 12, room, 2)):
        layout.text(canvas, margin, H - (60 + 5.5 * n) * mm, line, regular, 12)

    # the QR code to sign up, and what it does
    qr = 72 * mm
    qr_y = H - 158 * mm
    layout.draw_qr(canvas, invite_url, margin, qr_y, qr)
    side = margin + qr + 8 * mm
    side_room = W - margin - side
    y = qr_y + qr - 10 * mm
    for line in layout.wrap(_("Scan the code with your phone to sign up."), bold, 15, side_room, 3):
        layout.text(canvas, side, y, line, bold, 15)
        y -= 7 * mm
    y -= 3 * mm
    short = urlsplit(invite_url)
    address = short.netloc + short.path + (f"?{short.query}" if short.query else "")
    address, size = layout.fit(address, regular, 11, 6, side_room)
    layout.text(canvas, side, y, address, regular, size)
    y -= 9 * mm
    promise = _("Free, run by neighbours. Your address is never shown.")
    for line in layout.wrap(promise, regular, 11, side_room, 3):
        layout.text(canvas, side, y, line, regular, 11, layout.MUTED)
        y -= 5.5 * mm

    # the newest public offers
    top = qr_y - 12 * mm
    layout.text(canvas, margin, top, _("Offered here lately"), bold, 16)
    canvas.setStrokeColor(layout.RULE)
    canvas.setLineWidth(0.6)
    canvas.line(margin, top - 3 * mm, W - margin, top - 3 * mm)
    if not offers:
        message = _("Be the first to offer something to your neighbours.")
        layout.text(canvas, margin, top - 14 * mm, message, regular, 12, layout.MUTED)
    cell_w, cell_h = room / 2, 28 * mm
    picto = 15 * mm
    for i, offer in enumerate(offers[:6]):
        col, row = i % 2, i // 2
        x = margin + col * cell_w
        cell_top = top - 8 * mm - row * cell_h
        pictograms.draw(canvas, offer.category, x, cell_top - picto, picto, layout.INK)
        text_x = x + picto + 5 * mm
        text_room = cell_w - picto - 9 * mm
        lines = layout.wrap(offer.title, bold, 12, text_room, 2)
        for n, line in enumerate(lines):
            layout.text(canvas, text_x, cell_top - (4.5 + 5 * n) * mm, line, bold, 12)
        by = layout.clip(_("offered by %(name)s", name=offer.by), regular, 10, text_room)
        layout.text(
            canvas, text_x, cell_top - (5 + 5 * len(lines)) * mm, by, regular, 10, layout.MUTED
        )

    host = urlsplit(base_url).netloc
    layout.centred(canvas, W / 2, 10 * mm, host, regular, 9, layout.MUTED)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
