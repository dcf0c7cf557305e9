"""Small hand-rolled SVG charts for the static report: no JavaScript, no network, readable in any browser."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

FONT = "font-family='system-ui, -apple-system, Segoe UI, Roboto, sans-serif'"
AXIS = "#9ca3af"
GRID = "#e5e7eb"
INK = "#111827"
MUTED = "#6b7280"


@dataclass(frozen=True)
class Series:
    """One named, coloured sequence of values (one per category); ``None`` is a value that does not exist."""

    name: str
    values: Sequence[float | None]
    color: str


def nice_ticks(maximum: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``maximum`` (1, 2, 2.5 or 5 times a power of ten)."""
    if maximum <= 0:
        return [0.0, 1.0]
    raw = maximum / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    ticks = [0.0]
    while ticks[-1] < maximum:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def format_tick(value: float, percent: bool = False) -> str:
    if percent:
        return f"{value:.0%}" if abs(value * 100 - round(value * 100)) < 1e-9 else f"{value:.1%}"
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def _text(
    x: float, y: float, content: str, *, anchor: str = "start", size: int = 12, fill: str = INK, extra: str = ""
) -> str:
    return (
        f"<text x='{x:.1f}' y='{y:.1f}' text-anchor='{anchor}' font-size='{size}' fill='{fill}' {FONT} {extra}>"
        f"{escape(content)}</text>"
    )


def legend(series: Sequence[Series], x: float, y: float) -> str:
    parts: list[str] = []
    for item in series:
        parts.append(f"<rect x='{x:.1f}' y='{y - 10:.1f}' width='12' height='12' rx='2' fill='{item.color}'/>")
        parts.append(_text(x + 17, y, item.name, fill=INK))
        x += 30 + 7.5 * len(item.name)
    return "".join(parts)


def column_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    stacked: bool = False,
    width: int = 760,
    height: int = 300,
    y_label: str = "",
    label_every: int = 1,
    percent: bool = False,
    show_values: bool = False,
    max_bar_width: float = 90.0,
    title: str = "",
    missing: str = "",
) -> str:
    """Vertical bars per category: stacked, or side by side when there are several series.

    A ``None`` value draws no bar; ``missing`` (say, "no payments") is written where its bar would stand.
    """
    left, right, top, bottom = 56, 16, 34, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    if stacked:
        peak = max((sum(s.values[i] or 0.0 for s in series) for i in range(len(categories))), default=0.0)
    else:
        peak = max((v or 0.0 for s in series for v in s.values), default=0.0)
    ticks = nice_ticks(peak)
    top_value = ticks[-1]
    parts = [_svg_open(width, height, title)]
    for tick in ticks:
        y = top + plot_h - plot_h * tick / top_value
        parts.append(f"<line x1='{left}' x2='{width - right}' y1='{y:.1f}' y2='{y:.1f}' stroke='{GRID}'/>")
        parts.append(_text(left - 8, y + 4, format_tick(tick, percent), anchor="end", size=11, fill=MUTED))
    slot = plot_w / max(len(categories), 1)
    bars_per_group = 1 if stacked else max(len(series), 1)
    bar_w = min(slot * 0.78 / bars_per_group, max_bar_width)
    group_w = bar_w * bars_per_group
    for i, category in enumerate(categories):
        x0 = left + slot * i + (slot - group_w) / 2
        base = 0.0
        for j, item in enumerate(series):
            value = item.values[i]
            x = x0 if stacked else x0 + j * bar_w
            if value is None and missing:
                parts.append(_text(x + bar_w / 2, top + plot_h - 8, missing, anchor="middle", size=12, fill=MUTED))
            if value is None or value <= 0:
                continue
            h = plot_h * value / top_value
            y = top + plot_h - plot_h * base / top_value - h
            tip = f"{item.name} · {category}: {format_tick(value, percent) if percent else f'{value:,.0f}'}"
            parts.append(
                f"<rect x='{x:.1f}' y='{y:.1f}' width='{max(bar_w - 1, 1):.1f}' height='{h:.1f}' fill='{item.color}'>"
                f"<title>{escape(tip)}</title></rect>"
            )
            if show_values and not stacked:
                shown = f"{value:.2%}" if percent else f"{value:,.1f}".removesuffix(".0")
                parts.append(_text(x + bar_w / 2, y - 6, shown, anchor="middle", size=12, fill=INK))
            if stacked:
                base += value
        if i % label_every == 0:
            parts.append(
                _text(left + slot * (i + 0.5), top + plot_h + 16, category, anchor="middle", size=11, fill=MUTED)
            )
    parts.append(f"<line x1='{left}' x2='{width - right}' y1='{top + plot_h}' y2='{top + plot_h}' stroke='{AXIS}'/>")
    if y_label:
        parts.append(_text(14, top + plot_h / 2, y_label, anchor="middle", size=11, fill=MUTED,
                           extra=f"transform='rotate(-90 14 {top + plot_h / 2:.1f})'"))  # fmt: skip
    if len(series) > 1:
        parts.append(legend(series, left, 18))
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    color: str = "#2563eb",
    width: int = 760,
    value_labels: Sequence[str] | None = None,
    bar_height: int = 24,
    label_width: int = 220,
    title: str = "",
) -> str:
    """Horizontal bars with the label on the left and the value at the bar's end."""
    gap = 8
    top = 8
    height = top * 2 + max(len(labels), 1) * (bar_height + gap)
    plot_w = width - label_width - 110
    peak = max(values, default=0.0) or 1.0
    parts = [_svg_open(width, height, title)]
    if not labels:
        parts.append(_text(width / 2, height / 2 + 4, "nothing to show", anchor="middle", fill=MUTED))
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * (bar_height + gap)
        w = max(plot_w * value / peak, 1.5)
        shown = value_labels[i] if value_labels is not None else f"{value:,.0f}"
        parts.append(_text(label_width - 10, y + bar_height * 0.68, label, anchor="end", size=12))
        parts.append(
            f"<rect x='{label_width}' y='{y}' width='{w:.1f}' height='{bar_height}' rx='3' fill='{color}'>"
            f"<title>{escape(label)}: {escape(shown)}</title></rect>"
        )
        parts.append(_text(label_width + w + 8, y + bar_height * 0.68, shown, size=12, fill=MUTED))
    parts.append("</svg>")
    return "".join(parts)


def _svg_open(width: int, height: int, title: str) -> str:
    label = f" aria-label='{escape(title)}'" if title else ""
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' role='img'{label} viewBox='0 0 {width} {height}' "
        f"width='{width}' height='{height}'>"
    )
