"""Charts drawn on the server as SVG: horizontal bars and a stacked daily column chart."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

PALETTE = ("#2f6fdf", "#17a673", "#e8a317", "#d9534f", "#7b5ea7", "#20a4c9")


def _num(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() or value >= 10 else f"{value:.1f}"


def hbars(rows: list[tuple[str, list[float]]], *, series: list[str], unit: str) -> Markup:
    """One group per label, one bar per series (e.g. p50 and p90)."""
    if not rows:
        return Markup("")
    top = max((v for _, values in rows for v in values), default=0) or 1
    bar_h, gap, left, width = 14, 10, 150, 320
    height = len(rows) * (bar_h * len(series) + gap) + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {left + width + 70} {height}" class="chart">'
    ]
    y = 4
    for label, values in rows:
        parts.append(f'<text x="0" y="{y + bar_h}" class="lbl">{escape(label[:22])}</text>')
        for i, value in enumerate(values):
            w = max(1.0, value / top * width)
            colour = PALETTE[i % len(PALETTE)]
            parts.append(
                f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h - 2}" fill="{colour}"/>'
                f'<text x="{left + w + 4:.1f}" y="{y + bar_h - 3}" class="val">{_num(value)} '
                f"{escape(unit)}</text>"
            )
            y += bar_h
        y += gap
    for i, name in enumerate(series):
        x = left + i * 90
        parts.append(
            f'<rect x="{x}" y="{y + 2}" width="10" height="10" fill="{PALETTE[i]}"/>'
            f'<text x="{x + 14}" y="{y + 11}" class="lbl">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 -- every label above went through html.escape


def stacked_days(days: list[str], series: dict[str, list[int]]) -> Markup:
    """Columns per day, stacked by series (channel)."""
    if not days:
        return Markup("")
    totals = [sum(values[i] for values in series.values()) for i in range(len(days))]
    top = max(totals, default=0) or 1
    col_w, chart_h, base = 48, 160, 180
    width = len(days) * col_w + 20
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {base + 40}" class="chart">']
    for i, day in enumerate(days):
        x, y = 10 + i * col_w, float(base)
        for k, values in enumerate(series.values()):
            h = values[i] / top * chart_h
            if h:
                y -= h
                colour = PALETTE[k % len(PALETTE)]
                parts.append(
                    f'<rect x="{x}" y="{y:.1f}" width="{col_w - 6}" height="{h:.1f}" fill="{colour}"/>'
                )
        if totals[i]:
            parts.append(f'<text x="{x}" y="{y - 3:.1f}" class="val">{totals[i]}</text>')
        parts.append(f'<text x="{x}" y="{base + 14}" class="lbl small">{escape(day[-5:])}</text>')
    for k, name in enumerate(series):
        x = 10 + k * 90
        parts.append(
            f'<rect x="{x}" y="{base + 22}" width="10" height="10" fill="{PALETTE[k % len(PALETTE)]}"/>'
            f'<text x="{x + 14}" y="{base + 31}" class="lbl">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 -- every label above went through html.escape
