"""A small, dependency-free SVG scatter chart: axes with ticks, labelled points, a legend.

``bto simulate`` draws on-time % against mean quoted lead time with it, one point per policy
and load level. Every piece of text is XML-escaped, so a policy or scenario name cannot break
the document.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

__all__ = ["ChartPoint", "nice_ticks", "scatter_svg"]

#: Colours of the series, then markers, in order (colour-blind safe: Okabe and Ito).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
MARKERS = ("circle", "square", "triangle", "diamond")


@dataclass(frozen=True, slots=True)
class ChartPoint:
    """One labelled point of a series (e.g. a policy at one load level); ``marker`` (e.g.
    the load level) picks the marker's shape when a chart is drawn with a legend only."""

    x: float
    y: float
    label: str
    series: str = ""
    marker: str = ""

    def to_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {"x": self.x, "y": self.y, "label": self.label, "series": self.series,
                "marker": self.marker}


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values (steps of 1, 2 or 5 times a power of ten) covering
    ``[low, high]``: the first is at most ``low`` and the last at least ``high``."""
    if not (math.isfinite(low) and math.isfinite(high)) or count < 1:
        raise ValueError("ticks need a finite range and a positive count")
    if high < low:
        low, high = high, low
    if high - low <= 1e-9 * max(abs(low), abs(high), 1.0):
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / count
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw * (1 - 1e-12))
    first = math.floor(low / step + 1e-9)
    last = math.ceil(high / step - 1e-9)
    return [float(f"{k * step:.12g}") for k in range(first, max(last, first + 1) + 1)]


def _padded(values: Sequence[float]) -> tuple[float, float]:
    """The range of ``values`` widened by 5% each way, so no point sits on the frame."""
    low, high = min(values), max(values)
    pad = (high - low) * 0.05
    return low - pad, high + pad


def _fmt(value: float) -> str:
    return f"{value:.6g}"


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    fill = f'fill="{colour}" stroke="#222" stroke-width="0.8"'
    r = 5.0
    if shape == "square":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r}" height="{2 * r}" {fill}/>'
    if shape == "triangle":
        return (f'<polygon points="{x:.1f},{y - r - 1:.1f} {x - r - 1:.1f},{y + r:.1f} '
                f'{x + r + 1:.1f},{y + r:.1f}" {fill}/>')
    if shape == "diamond":
        return (f'<polygon points="{x:.1f},{y - r - 1:.1f} {x + r + 1:.1f},{y:.1f} '
                f'{x:.1f},{y + r + 1:.1f} {x - r - 1:.1f},{y:.1f}" {fill}/>')
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" {fill}/>'


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]
              ) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _place(label: str, x: float, y: float, placed: Sequence[tuple[float, float, float, float]],
           marks: Sequence[tuple[float, float]], frame: tuple[float, float, float, float]
           ) -> tuple[tuple[float, float, float, float], str]:
    """Where a point's label goes: the first of a few positions around the point that hits no
    label placed before, no marker and stays inside the plot; else the first position."""
    w, h = 6.3 * len(label) + 2, 13.0
    options = []
    for dy in (-7.0, 16.0, 4.5, -20.0, 29.0, -33.0, 42.0):
        for side in ("start", "end"):
            x0 = x + 8 if side == "start" else x - 8 - w
            options.append(((x0, y + dy - h, x0 + w, y + dy), side))

    def fits(box: tuple[float, float, float, float]) -> bool:
        return (frame[0] <= box[0] and box[2] <= frame[2] + 60 and frame[1] <= box[1]
                and box[3] <= frame[3]
                and not any(_overlaps(box, other) for other in placed)
                and not any(_overlaps(box, (mx - 6, my - 6, mx + 6, my + 6))
                            for mx, my in marks))
    return next((o for o in options if fits(o[0])), options[0])


def scatter_svg(points: Sequence[ChartPoint], *, title: str, x_label: str, y_label: str,
                width: int = 760, height: int = 500, y_max: float | None = None,
                labels: bool = True) -> str:
    """The SVG document of ``points``: one colour and marker per series (in order of first
    appearance), each point labelled, a legend when there are several series.

    With ``labels=False`` no point is labelled (crowded points stay readable): each series
    is a colour, its points joined in the order given, each point's ``marker`` a shape, and
    the legend names both. ``y_max`` caps the vertical axis (e.g. 100 for percentages) unless
    a point is above it. Points with a non-finite coordinate are left out; raises
    ``ValueError`` when none is left.
    """
    shown = [p for p in points if math.isfinite(p.x) and math.isfinite(p.y)]
    if not shown:
        raise ValueError("nothing to chart: no point has finite coordinates")
    series = list(dict.fromkeys(p.series for p in shown))
    kinds = list(dict.fromkeys(p.marker for p in shown)) if not labels else []
    legend = len(series) > 1 or len(kinds) > 1
    left, right, top, bottom = 70.0, 190.0 if legend else 30.0, 50.0, 60.0
    plot_w, plot_h = width - left - right, height - top - bottom
    xs = nice_ticks(*_padded([p.x for p in shown]))
    highest = max(p.y for p in shown)
    ys = nice_ticks(*_padded([p.y for p in shown]))
    if y_max is not None and ys[-1] > max(y_max, highest):
        kept = [t for t in ys if t <= max(y_max, highest)]
        ys = kept if kept[-1] >= highest else ys[:len(kept) + 1]

    def sx(x: float) -> float:
        return left + (x - xs[0]) / (xs[-1] - xs[0]) * plot_w

    def sy(y: float) -> float:
        return top + plot_h - (y - ys[0]) / (ys[-1] - ys[0]) * plot_h

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2:.1f}" y="28" text-anchor="middle" font-size="16" '
           f'font-weight="bold">{escape(title)}</text>']
    for x in xs:
        out.append(f'<line x1="{sx(x):.1f}" y1="{top}" x2="{sx(x):.1f}" y2="{top + plot_h}" '
                   'stroke="#e4e4e4"/>')
        out.append(f'<text class="x-tick" x="{sx(x):.1f}" y="{top + plot_h + 18}" '
                   'text-anchor="middle">'
                   f'{_fmt(x)}</text>')
    for y in ys:
        out.append(f'<line x1="{left}" y1="{sy(y):.1f}" x2="{left + plot_w}" y2="{sy(y):.1f}" '
                   'stroke="#e4e4e4"/>')
        out.append(f'<text class="y-tick" x="{left - 8}" y="{sy(y) + 4:.1f}" '
                   f'text-anchor="end">{_fmt(y)}</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
               'stroke="#333"/>')
    out.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 16}" text-anchor="middle">'
               f'{escape(x_label)}</text>')
    out.append(f'<text transform="translate(18 {top + plot_h / 2:.1f}) rotate(-90)" '
               f'text-anchor="middle">{escape(y_label)}</text>')
    placed: list[tuple[float, float, float, float]] = []
    marks = [(sx(p.x), sy(p.y)) for p in shown]

    def look(point: ChartPoint) -> tuple[str, str]:
        k = series.index(point.series)
        shape = MARKERS[kinds.index(point.marker) % len(MARKERS)] if not labels \
            else MARKERS[k // len(PALETTE) % len(MARKERS)]
        return PALETTE[k % len(PALETTE)], shape

    if not labels:  # each series' points joined, under the markers
        for k, name in enumerate(series):
            path = [f"{x:.1f},{y:.1f}" for p, (x, y) in zip(shown, marks, strict=True)
                    if p.series == name]
            if len(path) > 1:
                out.append(f'<polyline class="series" points="{" ".join(path)}" fill="none" '
                           f'stroke="{PALETTE[k % len(PALETTE)]}" stroke-width="1.2" '
                           'stroke-opacity="0.6"/>')
    for point, (x, y) in zip(shown, marks, strict=True):
        colour, shape = look(point)
        name = ", ".join(t for t in (point.label, point.marker) if t)
        out.append(f'<g class="point"><title>{escape(name)}: ({_fmt(point.x)}, '
                   f"{_fmt(point.y)})</title>" + _marker(shape, x, y, colour) + "</g>")
    for point, (x, y) in zip(shown, marks, strict=True):
        if not labels:
            break
        colour = PALETTE[series.index(point.series) % len(PALETTE)]
        box, anchor = _place(point.label, x, y, placed, marks, (left, top, left + plot_w,
                                                                 top + plot_h))
        placed.append(box)
        tx = box[0] if anchor == "start" else box[2]
        if box[3] < y - 12 or box[1] > y + 12:  # far from its point: draw a leader
            ly = box[3] - 1 if box[3] < y else box[1] + 1
            out.append(f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{tx:.1f}" y2="{ly:.1f}" '
                       f'stroke="{colour}" stroke-width="0.6"/>')
        out.append(f'<text x="{tx:.1f}" y="{box[3] - 3:.1f}" text-anchor={quoteattr(anchor)} '
                   f'font-size="11" fill="{colour}">{escape(point.label)}</text>')
    if legend:
        lx = left + plot_w + 20
        out.append('<g class="legend">')
        rows: list[tuple[str, str, str]] = []  # (name, colour, shape)
        for k, name in enumerate(series if len(series) > 1 else ()):
            rows.append((name, PALETTE[k % len(PALETTE)], "circle" if not labels
                         else MARKERS[k // len(PALETTE) % len(MARKERS)]))
        for k, name in enumerate(kinds if len(kinds) > 1 else ()):
            rows.append((name, "#777", MARKERS[k % len(MARKERS)]))
        for k, (name, colour, shape) in enumerate(rows):
            gap = 10 if len(series) > 1 and len(kinds) > 1 and k >= len(series) else 0
            ly = top + 10 + 20 * k + gap
            out.append(_marker(shape, lx, ly, colour))
            out.append(f'<text x="{lx + 12}" y="{ly + 4:.1f}">{escape(name)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
