"""Charts drawn on the server as inline SVG: no script, no outside files, readable by anyone.

Each chart is an image (role="img") named by its <title> and described by a <desc> that states
every number it shows, so a screen reader hears what a sighted reader sees. Pages put the same
numbers in a table beside the chart. Sizes are in a viewBox, so a chart shrinks to a phone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 480  # about the width a chart gets beside its table, so text keeps its size
BAR_COLOUR = "#005ea2"  # 7:1 against white: bars stand out (WCAG non-text contrast wants 3:1)
INK = "#1b1b1b"
AXIS = "#565c65"
FONT = 'font-family="system-ui, sans-serif" font-size="13"'


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as people read it: "42 (35%)"


def _shorten(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[:limit - 1].rstrip() + "…"


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _frame(chart_id: str, title: str, description: str, height: int, body: list[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'role="img" aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" {FONT}>'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>' + "".join(body) + "</svg>")


def horizontal_bars(chart_id: str, title: str, bars: Sequence[Bar], maximum: float | None = None) -> Markup:
    """One labelled bar per row, longest for the largest value (or for `maximum`, such as 100 %)."""
    label_width, text_width, row, top = 170, 90, 30, 8
    span = WIDTH - label_width - text_width
    largest = maximum if maximum is not None else max((bar.value for bar in bars), default=0)
    height = top * 2 + row * max(len(bars), 1)
    body = [f'<line x1="{label_width}" y1="{top - 4}" x2="{label_width}" y2="{height - top + 4}" '
            f'stroke="{AXIS}" stroke-width="1"/>']
    for index, bar in enumerate(bars):
        y = top + index * row
        width = 0.0 if largest <= 0 else span * max(bar.value, 0) / largest
        body.append(f'<text x="{label_width - 8}" y="{y + 19}" text-anchor="end" fill="{INK}">'
                    f'{escape(_shorten(bar.label, 24))}</text>')
        body.append(f'<rect x="{label_width}" y="{y + 5}" width="{_number(width)}" height="20" fill="{BAR_COLOUR}"/>')
        body.append(f'<text x="{_number(label_width + width + 6)}" y="{y + 19}" fill="{INK}">{escape(bar.text)}</text>')
    description = "; ".join(f"{bar.label}: {bar.text}" for bar in bars) + "." if bars else "No figures yet."
    return _frame(chart_id, title, description, height, body)


def daily_columns(chart_id: str, title: str, days: Sequence[tuple[dt.date, int]], description: str) -> Markup:
    """One column per day, first to last, with the busiest day's count marked on the scale."""
    left, right, top, bottom = 48, 12, 12, 40
    height = 220
    plot_height = height - top - bottom
    plot_width = WIDTH - left - right
    largest = max((count for _, count in days), default=0)
    slot = plot_width / max(len(days), 1)
    body = [f'<line x1="{left}" y1="{height - bottom}" x2="{WIDTH - right}" y2="{height - bottom}" stroke="{AXIS}"/>',
            f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="{AXIS}"/>',
            f'<text x="{left - 6}" y="{height - bottom + 4}" text-anchor="end" fill="{INK}">0</text>']
    if largest:
        body.append(f'<text x="{left - 6}" y="{top + 10}" text-anchor="end" fill="{INK}">{largest}</text>')
        body.append(f'<line x1="{left}" y1="{top}" x2="{WIDTH - right}" y2="{top}" stroke="{AXIS}" '
                    f'stroke-dasharray="3 3"/>')
    for index, (_, count) in enumerate(days):
        if count and largest:
            bar_height = plot_height * count / largest
            body.append(f'<rect x="{_number(left + index * slot + slot * 0.1)}" '
                        f'y="{_number(height - bottom - bar_height)}" width="{_number(max(slot * 0.8, 1))}" '
                        f'height="{_number(bar_height)}" fill="{BAR_COLOUR}"/>')
    if days:
        body.append(f'<text x="{left}" y="{height - bottom + 20}" fill="{INK}">{days[0][0]:%b %-d, %Y}</text>')
        if len(days) > 1:
            body.append(f'<text x="{WIDTH - right}" y="{height - bottom + 20}" text-anchor="end" fill="{INK}">'
                        f'{days[-1][0]:%b %-d, %Y}</text>')
    return _frame(chart_id, title, description, height, body)
