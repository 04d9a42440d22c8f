"""Small server-rendered line charts: inline SVG made here, no front-end framework, no script.

Presentation attributes only (no style attribute, no inline CSS): the pages' Content-Security-Policy
allows no inline style. The line is drawn in currentColor, so the page's CSS colours it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 320, 96
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 36, 6, 8, 18


def _nice_ceiling(value: float) -> float:
    """1, 2, 5 × 10^n at or above value (at least 1)."""
    if value <= 1:
        return 1.0
    scale = 1.0
    while scale * 10 <= value:
        scale *= 10
    for step in (1, 2, 5, 10):
        if step * scale >= value:
            return step * scale
    return 10 * scale


def _label(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ") if value >= 10 else f"{value:g}"


def _span(start: dt.datetime, end: dt.datetime) -> str:
    """The left label: how far back the chart starts ("-24 h"), in no language."""
    hours = round((end - start).total_seconds() / 3600)
    return f"-{hours} h"


def line_chart(
    points: Sequence[tuple[dt.datetime, float]],
    start: dt.datetime,
    end: dt.datetime,
    label: str,
    gap: dt.timedelta = dt.timedelta(minutes=11),
) -> Markup:
    """An SVG line of `points` between `start` and `end` (naive UTC); a break where samples are
    missing for longer than `gap` (the node was down). `label` names the chart for screen readers."""
    span = (end - start).total_seconds() or 1.0
    top = _nice_ceiling(max((v for _, v in points), default=0.0))
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM

    def xy(when: dt.datetime, value: float) -> str:
        x = PAD_LEFT + inner_w * min(max((when - start).total_seconds() / span, 0.0), 1.0)
        y = PAD_TOP + inner_h * (1 - min(value / top, 1.0))
        return f"{x:.1f},{y:.1f}"

    segments: list[list[str]] = []
    previous = None
    for when, value in points:
        if previous is None or when - previous > gap:
            segments.append([])
        segments[-1].append(xy(when, value))
        previous = when
    lines = []
    for segment in segments:
        if len(segment) == 1:  # a lone sample: a dot
            x, y = segment[0].split(",")
            lines.append(f'<circle cx="{x}" cy="{y}" r="1.8" fill="currentColor"/>')
        else:
            lines.append(
                f'<polyline points="{" ".join(segment)}" fill="none" stroke="currentColor" '
                'stroke-width="1.6" stroke-linejoin="round"/>'
            )
    base_y = PAD_TOP + inner_h
    axis = (
        f'<line x1="{PAD_LEFT}" y1="{base_y}" x2="{WIDTH - PAD_RIGHT}" y2="{base_y}" '
        'stroke="currentColor" stroke-opacity="0.35"/>'
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP}" x2="{WIDTH - PAD_RIGHT}" y2="{PAD_TOP}" '
        'stroke="currentColor" stroke-opacity="0.15" stroke-dasharray="3 3"/>'
        f'<text x="{PAD_LEFT - 4}" y="{PAD_TOP + 4}" text-anchor="end" font-size="10" '
        f'fill="currentColor">{escape(_label(top))}</text>'
        f'<text x="{PAD_LEFT - 4}" y="{base_y}" text-anchor="end" font-size="10" '
        'fill="currentColor">0</text>'
        f'<text x="{PAD_LEFT}" y="{HEIGHT - 4}" font-size="10" fill="currentColor">'
        f"{escape(_span(start, end))}</text>"
        f'<text x="{WIDTH - PAD_RIGHT}" y="{HEIGHT - 4}" text-anchor="end" font-size="10" '
        f'fill="currentColor">{end:%H:%M} UTC</text>'
    )
    return Markup(
        f'<svg class="chart" role="img" aria-label="{escape(label)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(label)}</title>{axis}{''.join(lines)}</svg>"
    )
