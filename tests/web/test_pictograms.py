"""The category pictograms: one per built-in category, valid accessible SVG, the same shapes in PDFs."""

import io
import xml.etree.ElementTree as ET

import pypdfium2
from reportlab.lib.pagesizes import A7
from reportlab.pdfgen import canvas

from node.local.listings import categories
from node.web import pictograms
from node.web.render import make_environment

SVG = "{http://www.w3.org/2000/svg}"


def test_every_builtin_category_has_its_own_pictogram():
    assert set(categories.BUILTIN) <= set(pictograms.PICTOGRAMS)
    drawings = {pictograms.PICTOGRAMS[slug] for slug in categories.BUILTIN}
    assert len(drawings) == len(categories.BUILTIN)  # no two categories share a drawing


def test_custom_categories_get_the_generic_tag():
    assert pictograms.shapes("bikes-repair") == pictograms.PICTOGRAMS["other"]


def test_labelled_svg_is_an_image_with_its_label_and_escaped():
    root = ET.fromstring(str(pictograms.svg("garden", 32, 'Jardin <"ß">')))
    assert root.tag == SVG + "svg"
    assert root.get("role") == "img"
    assert root.get("aria-label") == 'Jardin <"ß">'
    assert root.find(SVG + "title").text == 'Jardin <"ß">'
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("32", "32", "0 0 24 24")


def test_unlabelled_svg_is_hidden_from_screen_readers():
    root = ET.fromstring(str(pictograms.svg("diy", 20)))
    assert root.get("aria-hidden") == "true"
    assert root.get("role") is None and root.find(SVG + "title") is None
    assert root.get("stroke") == "currentColor"  # takes the text colour of the page


def test_the_jinja_global_renders_unescaped_markup():
    env = make_environment()
    html = env.from_string("{{ pictogram('kitchen', 40, 'Cuisine') }}").render()
    assert html.startswith("<svg") and 'aria-label="Cuisine"' in html and 'width="40"' in html


def test_pdf_drawing_matches_the_svg_shapes():
    """Every pictogram draws on a reportlab canvas; rendered, it inks its cell and nothing else."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A7)
    slugs = sorted(pictograms.PICTOGRAMS)
    for i, slug in enumerate(slugs):
        pictograms.draw(page, slug, 10 + (i % 4) * 45, 240 - (i // 4) * 50, 40)
    page.save()
    image = pypdfium2.PdfDocument(buffer.getvalue())[0].render(scale=2).to_pil().convert("L")
    for i, _slug in enumerate(slugs):
        x, y = 10 + (i % 4) * 45, 240 - (i // 4) * 50  # lower-left, PDF points, y up
        cell = image.crop((2 * x, 2 * (A7[1] - y - 40), 2 * (x + 40), 2 * (A7[1] - y)))
        dark = sum(cell.histogram()[:128])
        assert 0.05 < dark / (80 * 80) < 0.6, slugs[i]
    # outside the cells the page stays blank
    margin = image.crop((0, 0, image.width, 2 * (A7[1] - 280)))
    assert margin.getextrema()[0] > 200
