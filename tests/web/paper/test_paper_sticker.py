"""GET /print/sticker.pdf: the letterbox sticker, read back (sizes, text, fonts, QR codes) through HTTP."""

import io

import pypdfium2
from helpers import api, login, make_quarter, make_resident, make_token, node_of
from pdf_support import embedded_fonts, page_sizes_mm, qr_codes, text
from PIL import ImageChops
from reportlab.pdfgen import canvas

from node.local.models import Resident
from node.web import pictograms
from node.web.paper import layout, sticker

SHELF_URL = "http://127.0.0.1:8080/@soren/shelf"  # the test node's public URL (conftest)


async def _shelf_owner(client, language="de"):
    node = node_of(client)
    await make_quarter(node)
    soren = await make_resident(node, "soren", language=language)
    await node.db.run(
        lambda: (
            Resident.update(
                display_name="Søren Œhlenschläger",
                address="12 rue des Lilas",
                postcode="35400",
                lat=48.64,
                lon=-2.02,
            )
            .where(Resident.id == soren.id)
            .execute()
        )
    )
    token = await make_token(node, soren.id)
    for title, category in (("Perceuse", "diy"), ("Scie", "diy"), ("Vélo", "transport")):
        body = {"kind": "offer", "type": "loan", "title": title, "category": category}
        status, _body, _r = await api(
            client, "POST", "/api/v1/listings", token, {**body, "shelf": True}
        )
        assert status == 201, _body
    return node, soren, token


async def test_anonymous_visitors_are_sent_to_log_in(client):
    response = await client.get("/print/sticker.pdf", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"].startswith("/login?next=/print/sticker.pdf")


async def test_a7_sticker_by_bearer_token_in_the_residents_language(client):
    _node, _soren, token = await _shelf_owner(client, language="de")
    response = await client.get("/print/sticker.pdf", headers={"Authorization": f"Bearer {token}"})
    assert response.status == 200, await response.text()
    assert response.content_type == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    body = await response.read()
    assert page_sizes_mm(body) == [(105, 74)]  # one A7 page, landscape like the sticker
    words = text(body)
    assert "Søren verleiht" in words  # first name only, German, ø embedded
    assert "Œhlenschläger" not in words and "Lilas" not in words and "35400" not in words
    assert "Scannen" in words
    assert qr_codes(body) == [SHELF_URL]
    assert embedded_fonts(body) == {"DejaVuSans", "DejaVuSans-Bold"}  # glyphs travel along


async def test_a4_sheet_of_eight_by_session_in_french(client):
    await _shelf_owner(client, language="fr")
    await login(client, "soren")
    response = await client.get("/print/sticker.pdf?format=a4")
    assert response.status == 200
    body = await response.read()
    assert page_sizes_mm(body) == [(210, 297)]
    assert text(body).count("Søren prête") == 8
    assert qr_codes(body, dpi=200) == [SHELF_URL] * 8


async def test_an_unknown_format_is_refused_with_a_reason(client):
    await _shelf_owner(client)
    await login(client, "soren")
    response = await client.get("/print/sticker.pdf?format=letter")
    assert response.status == 400
    assert "a7" in await response.text()
    assert (await client.get("/print/sticker.pdf?format=")).status == 200  # empty: the default


async def test_the_qr_code_opens_the_shelf_with_what_is_free(client):
    """The sticker's QR target, /@soren/shelf: readable by a visitor when the items are public."""
    node, soren, token = await _shelf_owner(client)
    body = {"kind": "offer", "type": "loan", "title": "Échelle", "category": "diy", "shelf": True}
    status, made, _r = await api(
        client, "POST", "/api/v1/listings", token, {**body, "reach": "public"}
    )
    assert status == 201
    page = await client.get("/@soren/shelf")
    html = await page.text()
    assert page.status == 200
    assert "Échelle" in html and "free today" in html
    assert "Perceuse" not in html  # quarter-only shelf items: not for a visitor
    assert 'class="pictogram' in html
    bob = await make_resident(node, "bob")
    assert bob.quarter_id == soren.quarter_id
    await login(client, "bob")
    html = await (await client.get("/@soren/shelf")).text()
    assert "Perceuse" in html and "Vélo" in html  # a verified neighbour of the quarter sees them
    assert (await client.get("/@nobody/shelf")).status == 404


def _ink(image, box):
    """The rendered pixels of a box given in PDF points from the page's lower-left corner."""
    x, y, size = box
    scale = image.width / sticker.CELL_W
    top = image.height - (y + size) * scale
    return image.crop(
        (round(x * scale), round(top), round((x + size) * scale), round(top + size * scale))
    )


def _reference(slug, box):
    """A page of the sticker's size with only this pictogram on the sticker's blue, rendered."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=(sticker.CELL_W, sticker.CELL_H))
    page.setFillColor(layout.SKY)
    page.rect(0, 0, sticker.CELL_W, sticker.CELL_H, stroke=0, fill=1)
    pictograms.draw(page, slug, *box, layout.INK)
    page.save()
    return pypdfium2.PdfDocument(buffer.getvalue())[0].render(scale=4).to_pil().convert("L")


def _difference(a, b):
    return sum(ImageChops.difference(a, b).histogram()[64:])  # pixels that clearly differ


async def test_the_sticker_shows_the_pictograms_of_the_shelf_most_stocked_first(client):
    """Each pictogram slot of the rendered sticker matches the drawing of the expected category
    best among all the pictograms (transport: two objects, then diy, then garden)."""
    _node, _soren, token = await _shelf_owner(client)
    body = {"kind": "offer", "type": "loan", "title": "Remorque", "category": "transport"}
    await api(client, "POST", "/api/v1/listings", token, {**body, "shelf": True})
    body = {"kind": "offer", "type": "loan", "title": "Sécateur", "category": "garden"}
    await api(client, "POST", "/api/v1/listings", token, {**body, "shelf": True})
    _s, made, _r = await api(client, "POST", "/api/v1/listings", token, {**body, "shelf": True})
    await api(client, "DELETE", f"/api/v1/listings/{made['id']}", token)  # withdrawn: not counted
    response = await client.get("/print/sticker.pdf", headers={"Authorization": f"Bearer {token}"})
    page = pypdfium2.PdfDocument(await response.read())[0].render(scale=4).to_pil().convert("L")
    expected = ["diy", "transport", "garden"]  # diy 2, transport 2 (by category order), garden 1
    boxes = sticker.slots(len(expected))
    for slug, box in zip(expected, boxes, strict=True):
        seen = _ink(page, box)
        scores = {
            c: _difference(seen, _ink(_reference(c, box), box)) for c in pictograms.PICTOGRAMS
        }
        assert min(scores, key=scores.get) == slug, (slug, scores)
        assert scores[slug] < 0.02 * seen.width * seen.height
