"""ratios.svg beside each report: every asset's reserve ratio over the config's runs, one line per asset, with
the 100 % line. Runs are evenly spaced (a daily schedule makes that a time axis; reruns stay apart). Plain SVG
from the standard library; coordinates are computed in Decimal like everything else."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 720, 360
LEFT, RIGHT, TOP, BOTTOM = 70, 130, 30, 50  # margins: y labels on the left, legend on the right
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf")
ONE = Decimal(1)
PIXEL = Decimal("0.1")


def _px(value: Decimal) -> str:
    return str(value.quantize(PIXEL, ROUND_HALF_UP))


def ratio_chart(points: Sequence[tuple[str, dict[str, Decimal | None]]], title: str) -> str:
    """`points`: (run start time "YYYY-MM-DDTHH:MM:SSZ", {asset: ratio or None}) oldest first."""
    times = [Decimal(i) for i in range(len(points))]
    assets = sorted({a for _, ratios in points for a, r in ratios.items() if r is not None})
    values = [r for _, ratios in points for r in ratios.values() if r is not None] + [ONE]
    low, high = min(values), max(values)
    if high == low:
        high, low = high + Decimal("0.01"), low - Decimal("0.01")
    pad = (high - low) / 10
    low, high = max(low - pad, Decimal(0)), high + pad
    plot_w, plot_h = Decimal(WIDTH - LEFT - RIGHT), Decimal(HEIGHT - TOP - BOTTOM)
    first, last = (min(times), max(times)) if times else (Decimal(0), Decimal(0))

    def x(t: Decimal) -> Decimal:
        span = last - first
        return LEFT + (plot_w / 2 if span == 0 else (t - first) / span * plot_w)

    def y(r: Decimal) -> Decimal:
        return TOP + (high - r) / (high - low) * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{LEFT}" y="18" font-size="14">{escape(title)}</text>',
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#999"/>',
    ]
    for label_value in (low, ONE, high):
        out.append(f'<text x="{LEFT - 6}" y="{_px(y(label_value) + 4)}" text-anchor="end">'
                   f"{label_value.scaleb(2):.1f} %</text>")
    out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_px(y(ONE))}" y2="{_px(y(ONE))}" '
               'stroke="#555" stroke-dasharray="4 3"/>')
    if points:
        out.append(f'<text x="{LEFT}" y="{HEIGHT - BOTTOM + 18}">{escape(points[0][0][:10])}</text>')
        out.append(f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - BOTTOM + 18}" text-anchor="end">'
                   f"{escape(points[-1][0][:10])}</text>")
        out.append(f'<text x="{LEFT + int(plot_w) // 2}" y="{HEIGHT - 12}" text-anchor="middle">'
                   f"{len(points)} run{'s' if len(points) != 1 else ''}</text>")
    for index, asset in enumerate(assets):
        colour = COLOURS[index % len(COLOURS)]
        coords = [(x(t), y(ratio)) for t, (_, ratios) in zip(times, points, strict=True)
                  if (ratio := ratios.get(asset)) is not None]
        path = " ".join(f"{_px(cx)},{_px(cy)}" for cx, cy in coords)
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}">'
                   f"<title>{escape(asset)}</title></polyline>")
        out += [f'<circle cx="{_px(cx)}" cy="{_px(cy)}" r="3" fill="{colour}"/>' for cx, cy in coords]
        legend_y = TOP + 16 * index + 10
        out.append(f'<rect x="{WIDTH - RIGHT + 12}" y="{legend_y - 9}" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{WIDTH - RIGHT + 28}" y="{legend_y}">{escape(asset)}</text>')
    if not assets:
        out.append(f'<text x="{LEFT + 10}" y="{TOP + 20}">no ratios yet (no liabilities declared?)</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
