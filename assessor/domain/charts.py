"""Server-rendered SVG charts: readable without JavaScript, with a text alternative. Pure module."""
from __future__ import annotations

import math
from html import escape

from markupsafe import Markup


def _wrap(label: str, width: int = 18) -> list[str]:
    """Split a label into short lines so that it fits beside the radar."""
    lines, current = [], ""
    for word in label.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        lines.append(current)
    return lines[:4]


LABEL_GAP = 16  # between the 100 ring and a radar's labels, in the chart's units


def radar_svg(axes: list[tuple[str, float | None]], title: str, description: str,
              previous: list[float | None] | None = None, size: int = 440,
              legend: tuple[str, str] | None = None) -> Markup:
    """Return a radar chart of scores 0–100, one axis per dimension.

    :param axes: (label, score) per dimension; a missing score is drawn at the centre.
    :param previous: optional earlier scores, drawn as a dashed outline (follow-up).
    """
    n = len(axes)
    width, height = size + 260, size + 20
    cx, cy = width / 2, height / 2
    radius = size / 2 - 60

    def point(i: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        r = radius * max(0.0, min(100.0, value)) / 100
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'role="img" aria-labelledby="radar-title radar-desc" class="radar">',
        f'<title id="radar-title">{escape(title)}</title>',
        f'<desc id="radar-desc">{escape(description)}</desc>',
    ]
    for ring in (20, 40, 60, 80, 100):
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, ring) for i in range(n)))
        parts.append(f'<polygon points="{pts}" class="radar-grid"/>')
    for i, (label, _score) in enumerate(axes):
        x, y = point(i, 100)
        parts.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" class="radar-axis"/>')
        # outside the 100 ring by a fixed gap, so that a full score's dot never touches its label
        # (point() stops at 100: the labels sat on the ring)
        angle = -math.pi / 2 + 2 * math.pi * i / n
        lx, ly = cx + (radius + LABEL_GAP) * math.cos(angle), cy + (radius + LABEL_GAP) * math.sin(angle)
        lx += 8 if lx > cx + 10 else (-8 if lx < cx - 10 else 0)
        anchor = "middle" if abs(lx - cx) < 10 else ("start" if lx > cx else "end")
        lines = _wrap(label)
        if abs(lx - cx) < 10:  # top and bottom labels grow away from the chart
            ly -= (len(lines) - 1) * 14 if ly < cy else -4
        else:
            ly -= (len(lines) - 1) * 7
        tspans = "".join(f'<tspan x="{lx:.1f}" dy="{0 if k == 0 else 14}">{escape(line)}</tspan>'
                         for k, line in enumerate(lines))
        parts.append(f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" class="radar-label">{tspans}</text>')
    for ring in (50, 100):
        x, y = point(0, ring)
        parts.append(f'<text x="{x + 5:.1f}" y="{y + 12:.1f}" class="radar-tick">{ring}</text>')
    if previous:
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, v or 0) for i, v in enumerate(previous)))
        parts.append(f'<polygon points="{pts}" class="radar-previous"/>')
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, s or 0) for i, (_, s) in enumerate(axes)))
    parts.append(f'<polygon points="{pts}" class="radar-shape"/>')
    for i, (_, s) in enumerate(axes):
        x, y = point(i, s or 0)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" class="radar-dot"/>')
    if legend and previous:
        parts.append(f'<line x1="10" y1="{height - 30}" x2="34" y2="{height - 30}" class="radar-legend-now"/>'
                     f'<text x="40" y="{height - 26}" class="radar-tick">{escape(legend[0])}</text>'
                     f'<line x1="10" y1="{height - 12}" x2="34" y2="{height - 12}" class="radar-legend-previous"/>'
                     f'<text x="40" y="{height - 8}" class="radar-tick">{escape(legend[1])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


# A bar label gets this many characters a line (about 185 of the 210 units left of the bars at 13 px),
# on two lines at most: longer labels wrap instead of running off the chart's left edge.
BAR_LABEL_CHARS = 24
BAR_LINE_HEIGHT = 15


def bar_label_lines(label: str, chars: int = BAR_LABEL_CHARS) -> list[str]:
    """Return a bar's label on one or two lines of at most ``chars`` characters (shortened with "…")."""
    def cut(text: str) -> str:
        return text if len(text) <= chars else text[:chars - 1].rstrip() + "…"

    lines = _wrap(label, chars) or [""]
    rest = " ".join(lines[1:])
    return [cut(lines[0]), cut(rest)] if rest else [cut(lines[0])]


def bar_label_text(lines: list[str], x: float, middle: float) -> str:
    """Return the SVG text of a bar's label, right-aligned at ``x`` and centred on ``middle``."""
    first = middle + 4.5 - (len(lines) - 1) * BAR_LINE_HEIGHT / 2
    tspans = "".join(f'<tspan x="{x}" dy="{0 if k == 0 else BAR_LINE_HEIGHT}">{escape(line)}</tspan>'
                     for k, line in enumerate(lines))
    return f'<text x="{x}" y="{first:.1f}" text-anchor="end" class="bar-label">{tspans}</text>'


def bar_svg(rows: list[tuple[str, float | None]], title: str, width: int = 520) -> Markup:
    """Return a horizontal bar chart of values 0–100 with a title for screen readers."""
    label_width = 210
    labels = [bar_label_lines(label) for label, _value in rows]
    heights = [28 if len(lines) == 1 else 40 for lines in labels]
    height = sum(heights) + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'class="bars"><title>{escape(title)}</title>']
    y = 5
    for (_label, value), lines, row_height in zip(rows, labels, heights):
        middle = y + row_height / 2
        bar = (width - label_width - 50) * (value or 0) / 100
        parts.append(bar_label_text(lines, label_width - 8, middle))
        parts.append(f'<rect x="{label_width}" y="{middle - 9:.1f}" width="{width - label_width - 50}" height="18" '
                     f'class="bar-track"/>')
        parts.append(f'<rect x="{label_width}" y="{middle - 9:.1f}" width="{bar:.1f}" height="18" class="bar-fill"/>')
        shown = "–" if value is None else f"{value:.0f}"
        parts.append(f'<text x="{width - 42}" y="{middle + 4.5:.1f}" class="bar-value">{shown}</text>')
        y += row_height
    parts.append("</svg>")
    return Markup("".join(parts))
