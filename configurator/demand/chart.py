"""The demand chart of ``bto demand --chart``: small multiples, one panel per option.

Each panel draws one option's units sold per period as a line with a marker per period, its
mean as a dashed line, on its own vertical scale from 0 (units cannot be negative) and a
horizontal axis from the first period to the last. One option per panel, so no series hides
another, whatever their sizes. Dependency-free SVG; every piece of text is XML-escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from ..simulation.chart import PALETTE, nice_ticks
from .report import OptionVolatility

__all__ = ["demand_chart_svg"]

#: Size of one panel and the margins inside it (pixels).
PANEL_W, PANEL_H = 440.0, 200.0
_LEFT, _RIGHT, _TOP, _BOTTOM = 52.0, 16.0, 46.0, 34.0
_HEAD = 56.0
#: Most period labels written under a panel's axis (the rest are ticks only).
MAX_X_LABELS = 6


def _fmt(value: float) -> str:
    return f"{value:.6g}"


def _label_every(count: int) -> int:
    return max(1, -(-count // MAX_X_LABELS))


def _panel(v: OptionVolatility, labels: Sequence[str], x0: float, y0: float, colour: str,
           unit: str) -> list[str]:
    left, top = x0 + _LEFT, y0 + _TOP
    width, height = PANEL_W - _LEFT - _RIGHT, PANEL_H - _TOP - _BOTTOM
    ticks = nice_ticks(0.0, max(max(v.demand, default=0), 1), 4)
    whole = [t for t in ticks if t >= 0 and t == int(t)]  # units sold are whole numbers
    ticks = whole if len(whole) >= 3 or whole[-1:] == ticks[-1:] and len(whole) >= 2 \
        else [t for t in ticks if t >= 0]
    high = ticks[-1]
    n = len(v.demand)
    inset = 6.0  # keeps the first and last markers inside the frame

    def sx(k: int) -> float:
        return left + inset + (k / (n - 1) if n > 1 else 0.5) * (width - 2 * inset)

    def sy(units: float) -> float:
        return top + height - units / high * height

    out = [f'<g class="panel"><title>{escape(v.option)}</title>',
           f'<text x="{x0 + _LEFT:.1f}" y="{y0 + 18:.1f}" font-weight="bold">'
           f'{escape(v.option)}</text>',
           f'<text x="{x0 + _LEFT:.1f}" y="{y0 + 34:.1f}" fill="#555" font-size="11">'
           f'cv {v.cv:.2f}, mean {v.mean:.2f}, sd {v.sd:.2f} units per {escape(unit)}; '
           f'{sum(v.demand)} units</text>']
    for t in ticks:
        out.append(f'<line x1="{left}" y1="{sy(t):.1f}" x2="{left + width}" y2="{sy(t):.1f}" '
                   'stroke="#e4e4e4"/>')
        out.append(f'<text class="y-tick" x="{left - 6}" y="{sy(t) + 4:.1f}" '
                   f'text-anchor="end" font-size="11">{_fmt(t)}</text>')
    every = _label_every(n)
    for k, label in enumerate(labels):
        out.append(f'<line x1="{sx(k):.1f}" y1="{top + height}" x2="{sx(k):.1f}" '
                   f'y2="{top + height + 4}" stroke="#333"/>')
        if (n - 1 - k) % every == 0:  # the last period always labelled
            out.append(f'<text class="x-tick" x="{sx(k):.1f}" y="{top + height + 16}" '
                       f'text-anchor="middle" font-size="11">{escape(label)}</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{width}" height="{height}" fill="none" '
               'stroke="#333"/>')
    out.append(f'<line class="mean" x1="{left}" y1="{sy(v.mean):.1f}" x2="{left + width}" '
               f'y2="{sy(v.mean):.1f}" stroke="{colour}" stroke-dasharray="5 4" '
               'stroke-opacity="0.7"/>')
    points = " ".join(f"{sx(k):.1f},{sy(u):.1f}" for k, u in enumerate(v.demand))
    if n > 1:
        out.append(f'<polyline class="series" points="{points}" fill="none" '
                   f'stroke="{colour}" stroke-width="1.8"/>')
    for k, units in enumerate(v.demand):
        out.append(f'<circle cx="{sx(k):.1f}" cy="{sy(units):.1f}" r="3.2" fill="{colour}">'
                   f"<title>{escape(labels[k])}: {units}</title></circle>")
    out.append("</g>")
    return out


def demand_chart_svg(volatility: Sequence[OptionVolatility], labels: Sequence[str], *,
                     title: str, unit: str = "period", columns: int = 2) -> str:
    """The SVG document of one panel per option of ``volatility`` (in the order given),
    ``columns`` panels a row; ``labels`` names the periods (one per demand figure) and
    ``unit`` what a period is (week, month, period). Raises ``ValueError`` when there is no
    option to draw or a series' length is not the number of labels."""
    if not volatility:
        raise ValueError("nothing to chart: no option to draw")
    if columns < 1:
        raise ValueError(f"columns must be at least 1, not {columns}")
    if any(len(v.demand) != len(labels) for v in volatility):
        raise ValueError("every option needs one figure per period label")
    columns = min(columns, len(volatility))
    rows = -(-len(volatility) // columns)
    width, height = columns * PANEL_W + 20, _HEAD + rows * PANEL_H + 10
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" '
           f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
           'font-family="sans-serif" font-size="12">',
           f'<rect width="{width:.0f}" height="{height:.0f}" fill="white"/>',
           f'<text x="{width / 2:.1f}" y="26" text-anchor="middle" font-size="16" '
           f'font-weight="bold">{escape(title)}</text>',
           f'<text x="{width / 2:.1f}" y="44" text-anchor="middle" fill="#555">units sold per '
           f'{escape(unit)}, {escape(labels[0])} to {escape(labels[-1])}; dashed: the mean; '
           "each panel on its own scale</text>"]
    for k, v in enumerate(volatility):
        x0 = 10 + (k % columns) * PANEL_W
        y0 = _HEAD + (k // columns) * PANEL_H
        out += _panel(v, labels, x0, y0, PALETTE[k % len(PALETTE)], unit)
    out.append("</svg>")
    return "\n".join(out) + "\n"
