"""Category pictograms drawn by us: one set of shapes, rendered as inline SVG for pages and into PDFs.

Pumpipumpe's rule for letterbox stickers: one object, thick strokes, no text inside, readable at
3–4 cm. Every shape lives on a 24×24 grid (y down, as in SVG) and uses only absolute M/L/C/Z path
commands, circles and rounded rectangles, so the same data draws on reportlab's canvas unchanged.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from markupsafe import Markup, escape

GRID = 24
STROKE = 2.2  # in grid units: about 3.5 mm on a 4 cm sticker


class Shape(NamedTuple):
    """One element: kind "path" (args: d), "circle" (cx, cy, r) or "rect" (x, y, w, h, rx)."""

    kind: str
    args: tuple
    fill: bool = False  # filled shapes have no stroke; outlines are stroked only


def _p(d: str, fill: bool = False) -> Shape:
    return Shape("path", (d,), fill)


def _c(cx: float, cy: float, r: float, fill: bool = False) -> Shape:
    return Shape("circle", (cx, cy, r), fill)


def _r(x: float, y: float, w: float, h: float, rx: float = 0, fill: bool = False) -> Shape:
    return Shape("rect", (x, y, w, h, rx), fill)


# slug of a built-in category (node/local/listings/categories.py BUILTIN) -> shapes
PICTOGRAMS: dict[str, tuple[Shape, ...]] = {
    # a hammer
    "diy": (
        _p("M 3 4.5 L 14 4.5 L 14 9.5 L 3 9.5 Z"),
        _p("M 14 4.5 C 17.5 4.5 20 6.5 21 10"),
        _p("M 8.5 9.5 L 8.5 21"),
    ),
    # a sprout in the ground
    "garden": (
        _p("M 12 21 L 12 11"),
        _p("M 12 14 C 12 10 9 7.5 4.5 7.5 C 4.5 11.5 7.5 14 12 14 Z"),
        _p("M 12 11 C 12 7 15 4 19.5 4 C 19.5 8 16.5 11 12 11 Z"),
        _p("M 6 21 L 18 21"),
    ),
    # a cooking pot with its lid
    "kitchen": (
        _p("M 5 11 L 19 11 L 19 18 C 19 19.7 17.7 21 16 21 L 8 21 C 6.3 21 5 19.7 5 18 Z"),
        _p("M 3 8 L 21 8"),
        _p("M 10 5 L 14 5"),
        _p("M 2.5 13 L 5 13"),
        _p("M 19 13 L 21.5 13"),
    ),
    # a pram
    "children": (
        _p("M 3.5 11 L 20.5 11 C 20.5 15 17 18 12 18 C 7 18 3.5 15 3.5 11 Z"),
        _p("M 3.5 11 C 3.5 6.5 7 3.5 12 3.5 L 12 11"),
        _p("M 20.5 11 L 22 6.5"),
        _c(8, 20.5, 1.6, fill=True),
        _c(16, 20.5, 1.6, fill=True),
    ),
    # a bicycle
    "transport": (
        _c(5.5, 16, 4),
        _c(18.5, 16, 4),
        _p("M 5.5 16 L 9.5 8.5 L 16 8.5 L 18.5 16"),
        _p("M 9.5 8.5 L 12 16 L 16 8.5"),
        _p("M 8 6 L 11 6"),
        _p("M 16 8.5 L 15 5 L 17.5 5"),
    ),
    # a cardboard box, taped
    "moving": (
        _r(3.5, 9, 17, 12, 1),
        _p("M 3.5 9 L 6.5 4 L 17.5 4 L 20.5 9"),
        _p("M 12 4 L 12 13"),
    ),
    # a laptop
    "it": (
        _r(5, 4.5, 14, 10.5, 1.2),
        _p("M 2 19 L 22 19"),
    ),
    # a paw print
    "animals": (
        _p(
            "M 12 11.5 C 15.5 11.5 18.5 15 18.5 17.8 C 18.5 20.2 16 21 14.5 21 C 13.5 21 12.8 20.5 12 20.5 C 11.2 20.5 10.5 21 9.5 21 C 8 21 5.5 20.2 5.5 17.8 C 5.5 15 8.5 11.5 12 11.5 Z",
            fill=True,
        ),
        _c(4.5, 10.5, 2.1, fill=True),
        _c(9, 5.8, 2.2, fill=True),
        _c(15, 5.8, 2.2, fill=True),
        _c(19.5, 10.5, 2.1, fill=True),
    ),
    # a mortarboard
    "lessons": (
        _p("M 1.5 9 L 12 4 L 22.5 9 L 12 14 Z"),
        _p("M 6 11.2 L 6 16.5 C 8 19 16 19 18 16.5 L 18 11.2"),
        _p("M 22.5 9 L 22.5 15"),
    ),
    # a T-shirt
    "clothes": (
        _p(
            "M 8.5 3.5 L 3.5 5.5 L 1.5 10.5 L 5.5 11.5 L 5.5 20.5 L 18.5 20.5 L 18.5 11.5 "
            "L 22.5 10.5 L 20.5 5.5 L 15.5 3.5 C 14.5 5.5 9.5 5.5 8.5 3.5 Z"
        ),
    ),
    # a closed book
    "books": (
        _r(4.5, 3, 15, 18, 1.5),
        _p("M 8.5 3 L 8.5 21"),
        _p("M 12 8 L 16 8"),
    ),
    # a die
    "games": (
        _r(3.5, 3.5, 17, 17, 3.5),
        _c(8.3, 8.3, 1.7, fill=True),
        _c(12, 12, 1.7, fill=True),
        _c(15.7, 15.7, 1.7, fill=True),
    ),
    # a heart: help and care
    "elderly": (
        _p(
            "M 12 20.5 C 5 15.5 2.5 12 2.5 8.5 C 2.5 5.8 4.6 3.7 7.3 3.7 C 9.3 3.7 11 4.8 12 6.8 "
            "C 13 4.8 14.7 3.7 16.7 3.7 C 19.4 3.7 21.5 5.8 21.5 8.5 C 21.5 12 19 15.5 12 20.5 Z"
        ),
    ),
    # a tag: any other thing (also drawn for custom categories)
    "other": (
        _p("M 2.5 12 L 11.5 3 L 21 3 L 21 12.5 L 12 21.5 Z"),
        _c(16.3, 7.7, 1.8, fill=True),
    ),
}
FALLBACK = "other"


def shapes(category: str) -> tuple[Shape, ...]:
    """The shapes of a category's pictogram (custom categories get the generic tag)."""
    return PICTOGRAMS.get(category, PICTOGRAMS[FALLBACK])


def _num(value: float) -> str:
    return f"{value:g}"


def _svg_element(shape: Shape) -> str:
    paint = 'fill="currentColor" stroke="none"' if shape.fill else ""
    if shape.kind == "path":
        return f'<path d="{shape.args[0]}" {paint}/>'
    if shape.kind == "circle":
        cx, cy, r = (_num(v) for v in shape.args)
        return f'<circle cx="{cx}" cy="{cy}" r="{r}" {paint}/>'
    x, y, w, h, rx = (_num(v) for v in shape.args)
    return f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{rx}" {paint}/>'


@functools.lru_cache(maxsize=256)
def _body(category: str) -> str:
    # ~30 pictograms a feed page, each the same few shapes: written once per category
    return "".join(_svg_element(shape) for shape in shapes(category))


def svg(category: str, size: int = 24, label: str | None = None, css_class: str = "") -> Markup:
    """Inline SVG in the text colour: with a label it is an image (role="img"), else decorative.

    Pass the translated category label when the pictogram stands alone; leave it out when a text
    label is beside it (then screen readers skip it: aria-hidden).
    """
    size = max(8, min(int(size), 512))
    body = _body(category)
    if label:
        access = f'role="img" aria-label="{escape(label)}"'
        body = f"<title>{escape(label)}</title>{body}"
    else:
        access = 'aria-hidden="true" focusable="false"'
    klass = f"pictogram {css_class}".strip()
    return Markup(
        f'<svg class="{escape(klass)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {GRID} {GRID}" '
        f'width="{size}" height="{size}" fill="none" stroke="currentColor" '
        f'stroke-width="{_num(STROKE)}" stroke-linecap="round" stroke-linejoin="round" '
        f"{access}>{body}</svg>"
    )


def pictogram(category: str, size: int = 24, label: str | None = None) -> Markup:
    """Jinja global: `{{ pictogram(slug, 20) }}` beside a label, `{{ pictogram(slug, 32, label) }}` alone."""
    return svg(category, size, label)


_TOKEN = re.compile(r"[MLCZ]|-?\d+(?:\.\d+)?")


def _path_ops(d: str):
    """Parse our restricted path syntax (absolute M, L, C, Z) into (op, numbers) pairs."""
    tokens = _TOKEN.findall(d)
    ops: list[tuple[str, list[float]]] = []
    arity = {"M": 2, "L": 2, "C": 6, "Z": 0}
    i = 0
    while i < len(tokens):
        op = tokens[i]
        if op not in arity:
            raise ValueError(f"unsupported path token {op!r}")
        n = arity[op]
        ops.append((op, [float(t) for t in tokens[i + 1 : i + 1 + n]]))
        i += 1 + n
    return ops


def draw(canvas, category: str, x: float, y: float, size: float, color=None) -> None:
    """Draw a pictogram on a reportlab canvas, its lower-left corner at (x, y), `size` points wide."""
    canvas.saveState()
    if color is not None:
        canvas.setStrokeColor(color)
        canvas.setFillColor(color)
    # the grid is y-down like SVG: flip it once so the shapes keep their coordinates
    canvas.translate(x, y + size)
    canvas.scale(size / GRID, -size / GRID)
    canvas.setLineWidth(STROKE)
    canvas.setLineCap(1)
    canvas.setLineJoin(1)
    for shape in shapes(category):
        path = canvas.beginPath()
        if shape.kind == "path":
            for op, nums in _path_ops(shape.args[0]):
                if op == "M":
                    path.moveTo(*nums)
                elif op == "L":
                    path.lineTo(*nums)
                elif op == "C":
                    path.curveTo(*nums)
                else:
                    path.close()
        elif shape.kind == "circle":
            path.circle(*shape.args)
        else:
            px, py, w, h, rx = shape.args
            if rx:
                path.roundRect(px, py, w, h, rx)
            else:
                path.rect(px, py, w, h)
        canvas.drawPath(path, stroke=0 if shape.fill else 1, fill=1 if shape.fill else 0)
    canvas.restoreState()
