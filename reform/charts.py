"""Server-rendered SVG charts (no script): a line over the years and grouped horizontal bars.

Every chart is an `<svg role="img">` named by its `<title>` and described, figures in words, by
its `<desc>`; values are written on the marks themselves and series differ by pattern as well as
colour, so the chart reads on paper in black and white. The page shows the same figures in a data
table beside it. Figures are formatted by the caller's `number` callable (the locale's decimal
sign); every label is escaped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

Number = Callable[[Decimal], str]

SVG_NS = "http://www.w3.org/2000/svg"
INK = "#1b1f24"
MUTED = "#5b6470"
GRID = "#d5dae1"
LINE_COLOUR = "#1a5fb4"
# Series styles: a solid fill, diagonal hatching, dots (told apart without colour).
SERIES_FILLS = ("#1a5fb4", "url(#{id}-hatch)", "url(#{id}-dots)")
LABEL_CHARS = 44
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


@dataclass(frozen=True, slots=True)
class Point:
    """One position of a line chart: its label, its value (None: no figure) and a short note.

    A noted point (e.g. "live") is drawn hollow and its note written under its label.
    """

    label: str
    value: Decimal | None
    note: str = ""


@dataclass(frozen=True, slots=True)
class BarGroup:
    """One group of bars: its label and one value per series (None: no figure)."""

    label: str
    values: tuple[Decimal | None, ...]


@dataclass(frozen=True, slots=True)
class LineLayout:
    """The line chart's viewBox and plot margins (viewBox units)."""

    width: int = 360
    height: int = 236
    left: int = 40
    right: int = 16
    top: int = 30
    bottom: int = 40
    pad: int = 20

    @property
    def plot_bottom(self) -> int:
        """The y of the value 0."""
        return self.height - self.bottom

    def x(self, position: int, count: int) -> float:
        """The x of the point at `position` among `count` evenly spaced points."""
        first, last = self.left + self.pad, self.width - self.right - self.pad
        if count <= 1:
            return (first + last) / 2
        return first + (last - first) * position / (count - 1)

    def y(self, value: Decimal, top_value: Decimal) -> float:
        """The y of a value on an axis from 0 (bottom) to `top_value` (top)."""
        share = float(value) / float(top_value) if top_value > 0 else 0.0
        return self.plot_bottom - (self.plot_bottom - self.top) * share


@dataclass(frozen=True, slots=True)
class BarLayout:
    """The bar chart's viewBox width and the sizes of its rows (viewBox units)."""

    width: int = 360
    left: int = 8
    value_room: int = 60
    legend_row: int = 22
    label_row: int = 22
    bar: int = 18
    bar_gap: int = 3
    group_gap: int = 12
    axis_row: int = 20

    @property
    def plot_width(self) -> int:
        """The length of a bar at the axis maximum."""
        return self.width - self.left - self.value_room

    def length(self, value: Decimal, top_value: Decimal) -> float:
        """A bar's length for a value on an axis from 0 to `top_value`."""
        if top_value <= 0:
            return 0.0
        return self.plot_width * min(float(value) / float(top_value), 1.0)


LINE = LineLayout()
BAR = BarLayout()


def nice_max(value: Decimal) -> tuple[Decimal, Decimal]:
    """A round axis maximum at or above `value` and its step (at most 5 steps): 118.5 → 125, 25."""
    if value <= 0:
        return Decimal(4), Decimal(1)
    exponent = math.floor(math.log10(float(value) / 5))
    for power in (exponent, exponent + 1, exponent + 2):
        for factor in ("1", "2", "2.5", "5"):
            step = Decimal(factor) * Decimal(10) ** power
            steps = math.ceil(value / step)
            if steps <= 5:
                return step * steps, step
    raise AssertionError("unreachable: a step of 10 times the value always fits")


def _axis(values: Sequence[Decimal], top_value: Decimal | None) -> tuple[Decimal, Decimal]:
    """The axis maximum and step: the caller's (in quarters) unless a value lies above it."""
    highest = max(values, default=Decimal(0))
    if top_value is not None and top_value > 0 and highest <= top_value:
        return top_value, top_value / 4
    return nice_max(highest)


def _f(value: float) -> str:
    """A coordinate with at most 2 decimals."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _tick(value: Decimal, tick_number: Number | None, number: Number) -> str:
    if tick_number is not None:
        return tick_number(value)
    if value == value.to_integral_value():
        return str(int(value))
    return number(value)


def _short(text: str) -> str:
    """A label cut to fit one line of the chart (the table and the description keep it whole)."""
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


def _check_id(chart_id: str) -> None:
    if not _ID.match(chart_id):
        raise ValueError(f"chart id must be a letter then letters, digits, - or _: {chart_id!r}")


def _open(chart_id: str, width: int, height: int, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="{SVG_NS}" class="chart-svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false" '
        f'font-size="13" fill="{INK}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def _said(value: Decimal | None, number: Number, suffix: str, empty: str) -> str:
    return empty if value is None else f"{number(value)}{suffix}"


def _sentence(summary: str, parts: Sequence[str]) -> str:
    body = "; ".join(parts)
    if summary and body:
        return f"{summary} {body}."
    return summary or (body + "." if body else "")


def line_chart(
    points: Sequence[Point],
    *,
    chart_id: str,
    title: str,
    number: Number,
    summary: str = "",
    top_value: Decimal | None = None,
    tick_number: Number | None = None,
    suffix: str = "",
    no_figure: str = "no figure",
    empty_text: str = "No figures yet.",
) -> Markup:
    """A line of values over labelled positions (years), y axis from 0 to `top_value`.

    `top_value` is the axis maximum (100 for an index in percent); None, or a value above it,
    gives a round maximum above the highest value. Points without a value break the line.
    """
    _check_id(chart_id)
    layout = LINE
    known = [p.value for p in points if p.value is not None]
    words = [
        f"{p.label}: {_said(p.value, number, suffix, no_figure)}"
        + (f" ({p.note})" if p.note else "")
        for p in points
    ]
    out = _open(
        chart_id, layout.width, layout.height, title, _sentence(summary, words) or empty_text
    )
    if not known:
        out.append(
            f'<text x="{layout.width // 2}" y="{layout.height // 2}" text-anchor="middle" '
            f'fill="{MUTED}">{escape(empty_text)}</text></svg>'
        )
        return Markup("".join(out))
    axis_max, step = _axis(known, top_value)
    out.append('<g class="chart-grid">')
    tick = Decimal(0)
    while tick <= axis_max:
        y = _f(layout.y(tick, axis_max))
        out.append(
            f'<line x1="{layout.left}" x2="{layout.width - layout.right}" y1="{y}" y2="{y}" '
            f'stroke="{GRID if tick else MUTED}" stroke-width="1"/>'
            f'<text x="{layout.left - 6}" y="{y}" dy="4" text-anchor="end" fill="{MUTED}">'
            f"{escape(_tick(tick, tick_number, number))}</text>"
        )
        tick += step
    out.append("</g>")
    count = len(points)
    # The line, broken where a year has no figure.
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, p in enumerate(points):
        if p.value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{_f(layout.x(i, count))},{_f(layout.y(p.value, axis_max))}")
    if segment:
        segments.append(segment)
    for line in segments:
        if len(line) > 1:
            out.append(
                f'<polyline points="{" ".join(line)}" fill="none" stroke="{LINE_COLOUR}" '
                f'stroke-width="2.5" stroke-linejoin="round"/>'
            )
    out.append('<g class="chart-points">')
    for i, p in enumerate(points):
        x = _f(layout.x(i, count))
        out.append(
            f'<text x="{x}" y="{layout.plot_bottom + 18}" text-anchor="middle">'
            f"{escape(p.label)}</text>"
        )
        if p.note:
            out.append(
                f'<text x="{x}" y="{layout.plot_bottom + 33}" text-anchor="middle" '
                f'fill="{MUTED}" font-size="12">({escape(p.note)})</text>'
            )
        if p.value is None:
            out.append(
                f'<text x="{x}" y="{layout.plot_bottom - 6}" text-anchor="middle" '
                f'fill="{MUTED}">–</text>'
            )
            continue
        y = layout.y(p.value, axis_max)
        fill = "#ffffff" if p.note else LINE_COLOUR
        out.append(
            f'<circle cx="{x}" cy="{_f(y)}" r="5" fill="{fill}" stroke="{LINE_COLOUR}" '
            f'stroke-width="2.5"/>'
            f'<text x="{x}" y="{_f(y - 10)}" text-anchor="middle" font-weight="600">'
            f"{escape(number(p.value))}</text>"
        )
    out.append("</g></svg>")
    return Markup("".join(out))


def _patterns(chart_id: str) -> str:
    return (
        f'<defs><pattern id="{chart_id}-hatch" width="6" height="6" '
        f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{MUTED}" stroke-width="3"/></pattern>'
        f'<pattern id="{chart_id}-dots" width="5" height="5" patternUnits="userSpaceOnUse">'
        f'<rect width="5" height="5" fill="#ffffff"/>'
        f'<circle cx="2.5" cy="2.5" r="1.3" fill="{INK}"/></pattern></defs>'
    )


def _fill(series: int, chart_id: str) -> str:
    return SERIES_FILLS[series % len(SERIES_FILLS)].format(id=chart_id)


def bar_chart(
    groups: Sequence[BarGroup],
    *,
    chart_id: str,
    title: str,
    series: Sequence[str],
    number: Number,
    summary: str = "",
    top_value: Decimal | None = None,
    tick_number: Number | None = None,
    suffix: str = "",
    no_figure: str = "no figure",
    empty_text: str = "No figures yet.",
) -> Markup:
    """Horizontal bars grouped by label, one bar per series, on an axis from 0 to `top_value`.

    Each group's label stands on its own line above its bars (room for long names on a phone);
    every bar carries its value; a legend names the series by their pattern.
    """
    _check_id(chart_id)
    layout = BAR
    words = [
        f"{group.label}: "
        + ", ".join(
            f"{name} {_said(value, number, suffix, no_figure)}"
            for name, value in zip(series, group.values, strict=False)
        )
        for group in groups
    ]
    description = _sentence(summary, words) or empty_text
    known = [v for group in groups for v in group.values if v is not None]
    legend_height = layout.legend_row * len(series) + 6
    group_height = layout.label_row + len(series) * (layout.bar + layout.bar_gap) + layout.group_gap
    if not groups or not known:
        height = 80
        out = _open(chart_id, layout.width, height, title, description)
        out.append(
            f'<text x="{layout.width // 2}" y="{height // 2}" text-anchor="middle" '
            f'fill="{MUTED}">{escape(empty_text)}</text></svg>'
        )
        return Markup("".join(out))
    height = legend_height + len(groups) * group_height + layout.axis_row
    out = _open(chart_id, layout.width, height, title, description)
    out.append(_patterns(chart_id))
    out.append('<g class="chart-legend">')
    for i, name in enumerate(series):
        y = i * layout.legend_row + 2
        out.append(
            f'<rect x="{layout.left}" y="{y}" width="22" height="16" fill="{_fill(i, chart_id)}" '
            f'stroke="{INK}" stroke-width="1"/>'
            f'<text x="{layout.left + 30}" y="{y + 13}">{escape(_short(name))}</text>'
        )
    out.append("</g>")
    axis_max, step = _axis(known, top_value)
    plot_top, plot_bottom = legend_height, height - layout.axis_row
    out.append('<g class="chart-grid">')
    tick = Decimal(0)
    while tick <= axis_max:
        x = _f(layout.left + layout.length(tick, axis_max))
        out.append(
            f'<line x1="{x}" x2="{x}" y1="{plot_top}" y2="{plot_bottom}" '
            f'stroke="{MUTED if not tick else GRID}" stroke-width="1"/>'
            f'<text x="{x}" y="{plot_bottom + 14}" text-anchor="middle" fill="{MUTED}" '
            f'font-size="12">{escape(_tick(tick, tick_number, number))}</text>'
        )
        tick += step
    out.append("</g>")
    for g, group in enumerate(groups):
        top = plot_top + g * group_height
        out.append(
            f'<g class="chart-group"><text x="{layout.left}" y="{top + 16}" font-weight="600">'
            f"{escape(_short(group.label))}</text>"
        )
        for s in range(len(series)):
            value = group.values[s] if s < len(group.values) else None
            y = top + layout.label_row + s * (layout.bar + layout.bar_gap)
            if value is None:
                out.append(
                    f'<text x="{layout.left + 4}" y="{y + 13.5}" fill="{MUTED}">'
                    f"{escape(no_figure)}</text>"
                )
                continue
            length = layout.length(value, axis_max)
            out.append(
                f'<rect x="{layout.left}" y="{y}" width="{_f(length)}" height="{layout.bar}" '
                f'fill="{_fill(s, chart_id)}" stroke="{INK}" stroke-width="1"/>'
                f'<text x="{_f(layout.left + length + 4)}" y="{y + 13.5}">'
                f"{escape(number(value))}</text>"
            )
        out.append("</g>")
    out.append("</svg>")
    return Markup("".join(out))
