"""The marks of charts drawn on the server (`figures.render`): the traces as the renderer
reads them from a figure's JSON, and each kind drawn onto a canvas — SVG marks in view-box
units stretched over the plot, HTML markers and labels placed in percent of it, every mark
with its value as a tooltip."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import escape

from revlake.web.figures.base import COLORWAY, _values
from revlake.web.figures.chart_axes import Axis, _as_date, _number, format_value, hover_text

VIEW = 1000.0
"""The SVG view box is VIEW × VIEW, stretched over the plot area."""
INCREASING, DECREASING, TOTAL = "#047857", "#b91c1c", "#2563eb"
BLUES = (
    (0.0, (247, 251, 255)),
    (0.125, (222, 235, 247)),
    (0.25, (198, 219, 239)),
    (0.375, (158, 202, 225)),
    (0.5, (107, 174, 214)),
    (0.625, (66, 146, 198)),
    (0.75, (33, 113, 181)),
    (0.875, (8, 81, 156)),
    (1.0, (8, 48, 107)),
)
"""ColorBrewer Blues, the scale a heatmap names as "Blues"."""


@dataclass
class Trace:
    """One trace as the renderer reads it."""

    index: int
    kind: str
    raw: dict[str, Any]
    x: list[Any]
    y: list[Any]
    color: str

    @property
    def name(self) -> str:
        return str(self.raw.get("name") or "")

    @property
    def horizontal(self) -> bool:
        default = "h" if self.kind == "funnel" else "v"
        return str(self.raw.get("orientation", default)) == "h"

    @property
    def on_right(self) -> bool:
        return self.raw.get("yaxis") == "y2"

    def point(self, i: int) -> dict[str, Any]:
        """The fields a hover template may name, for point `i`."""
        found: dict[str, Any] = {"x": _at(self.x, i), "y": _at(self.y, i)}
        for name in ("customdata", "text"):
            values = self.raw.get(name)
            found[name] = _at(_values(values), i) if isinstance(values, list | dict) else values
        return found

    def tooltip(self, i: int, *, with_category: bool = True) -> str:
        """Point `i` as its hover template writes it, else "name · category: value"; a
        template that does not name the category gets it in front (`with_category`)."""
        template = self.raw.get("hovertemplate")
        point = self.point(i)
        category, value = ("y", "x") if self.horizontal else ("x", "y")
        label = category_label(point[category])
        if isinstance(template, str) and template:
            text = hover_text(template, point)
            if with_category and "%{" + category not in template:
                return f"{label} · {text}"
            return text
        if not with_category:
            return f"{self.name}: {format_value(point[value])}"
        text = f"{label}: {format_value(point[value])}"
        return f"{self.name} · {text}" if self.name else text


def category_label(value: Any) -> str:
    """A category as a tooltip names it: a month start as "Mar 2025", another date as
    "5 Mar 2025", anything else as it is."""
    found = _as_date(value)
    if found is None:
        return format_value(value)
    return found.strftime("%b %Y") if found.day == 1 else f"{found.day} {found:%b %Y}"


def _at(values: Sequence[Any], i: int) -> Any:
    return values[i] if 0 <= i < len(values) else None


def _colour(raw: dict[str, Any], index: int) -> str:
    for part in ("line", "marker"):
        spec = raw.get(part)
        if isinstance(spec, dict) and isinstance(spec.get("color"), str):
            return str(spec["color"])
    return COLORWAY[index % len(COLORWAY)]


def _traces(figure: dict[str, Any]) -> list[Trace]:
    traces = []
    for index, raw in enumerate(figure.get("data", [])):
        if raw.get("visible", True) is False:
            continue
        traces.append(
            Trace(
                index=index,
                kind=str(raw.get("type", "scatter")),
                raw=raw,
                x=_values(raw.get("x")),
                y=_values(raw.get("y")),
                color=_colour(raw, index),
            )
        )
    return traces


@dataclass
class Canvas:
    """What a chart draws: SVG marks (view-box units), HTML overlays (percent), tooltips."""

    svg: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)

    def rect(self, x0: float, y0: float, x1: float, y1: float, fill: str, tip: str) -> None:
        left, right = sorted((x0, x1))
        top, bottom = sorted((y0, y1))
        self.svg.append(
            f'<rect x="{_unit(left)}" y="{_unit(top)}" width="{_unit(max(right - left, 5e-4))}" '
            f'height="{_unit(max(bottom - top, 5e-4))}" fill="{escape(fill)}">'
            f"<title>{escape(tip)}</title></rect>"
        )

    def path(self, points: Sequence[tuple[float, float]], style: str, close: bool = False) -> None:
        if len(points) < (3 if close else 2):
            return
        steps = " L".join(f"{_unit(x)},{_unit(y)}" for x, y in points)
        self.svg.append(f'<path d="M{steps}{" Z" if close else ""}" {style}/>')

    def rule(self, position: float, axis: str, css_class: str) -> None:
        """A line across the whole plot at `position` along the x or y axis."""
        at = _unit(1 - position if axis == "y" else position)
        ends = f'x1="0" x2="{VIEW:g}" y1="{at}" y2="{at}"' if axis == "y" else (
            f'y1="0" y2="{VIEW:g}" x1="{at}" x2="{at}"'
        )  # fmt: skip
        self.svg.append(f'<line {ends} class="{css_class}"/>')

    def marker(self, fx: float, fy: float, size: float, colour: str, symbol: str, tip: str) -> None:
        shape = symbol if symbol in ("square", "x") else "circle"
        self.html.append(
            f'<span class="rl-m rl-m-{shape}" style="left:{fx * 100:.3f}%;top:{fy * 100:.3f}%;'
            f'--s:{size:.0f}px;--c:{escape(colour)}" title="{escape(tip)}"></span>'
        )

    def label(self, fx: float, fy: float, text: str, align: str) -> None:
        self.html.append(
            f'<span class="rl-t rl-t-{align}" style="left:{fx * 100:.3f}%;top:{fy * 100:.3f}%">'
            f"{escape(text)}</span>"
        )


def _unit(fraction: float) -> str:
    """A fraction of the plot in view-box units, as short as a tenth of a unit allows
    (a tenth of a thousandth of the plot: below a pixel on any screen)."""
    return f"{fraction * VIEW:.1f}".removesuffix(".0")


def _dash(raw: dict[str, Any]) -> str:
    dash = (raw.get("line") or {}).get("dash")
    return {"dash": ' stroke-dasharray="7 5"', "dot": ' stroke-dasharray="2 4"'}.get(
        str(dash), ' stroke-dasharray="9 4 2 4"' if dash == "dashdot" else ""
    )


Mapper = Callable[[Any], float | None]


def _draw_scatter(
    canvas: Canvas, trace: Trace, fx: Mapper, fy: Mapper, previous: list[tuple[float, float]]
) -> list[tuple[float, float]]:
    """Lines, the area to the previous trace (`tonexty`), markers and error bars; returns
    the trace's points (what the next trace's fill reaches to)."""
    raw = trace.raw
    mode = str(raw.get("mode", "lines+markers"))
    points: list[tuple[float, float]] = []
    runs: list[list[tuple[float, float]]] = [[]]
    for i in range(len(trace.x)):
        px, py = fx(_at(trace.x, i)), fy(_at(trace.y, i))
        if px is None or py is None:
            runs.append([])
            continue
        points.append((px, 1 - py))
        runs[-1].append((px, 1 - py))
    if raw.get("fill") == "tonexty" and points and previous:
        fill = str(raw.get("fillcolor") or "rgba(37, 99, 235, 0.18)")
        canvas.path([*points, *reversed(previous)], f'fill="{escape(fill)}" stroke="none"', True)
    line = raw.get("line") or {}
    width = float(line.get("width", 2))
    if "lines" in mode and width > 0:
        style = (
            f'fill="none" stroke="{escape(trace.color)}" stroke-width="{width:g}" '
            f'vector-effect="non-scaling-stroke" stroke-linejoin="round"{_dash(raw)}'
        )
        for run in runs:
            canvas.path(run, style)
    errors = raw.get("error_y") or {}
    if errors:
        plus, minus = _values(errors.get("array")), _values(errors.get("arrayminus"))
        for i in range(len(trace.x)):
            y, px = _number(_at(trace.y, i)), fx(_at(trace.x, i))
            up, down = _number(_at(plus, i)), _number(_at(minus, i) if minus else _at(plus, i))
            if y is None or px is None or up is None or down is None:
                continue
            top, bottom = fy(y + up), fy(y - down)
            if top is not None and bottom is not None:
                canvas.path(
                    [(px, 1 - top), (px, 1 - bottom)],
                    f'stroke="{escape(trace.color)}" stroke-width="1.5" '
                    'vector-effect="non-scaling-stroke"',
                )
    marker = raw.get("marker") or {}
    if "markers" in mode and marker.get("opacity", 1) != 0:
        size = float(marker.get("size", 6))
        symbol = str(marker.get("symbol", "circle"))
        for i in range(len(trace.x)):
            px, py = fx(_at(trace.x, i)), fy(_at(trace.y, i))
            if px is not None and py is not None:
                canvas.marker(px, 1 - py, size, trace.color, symbol, trace.tooltip(i))
    return points


def _bar_colours(trace: Trace) -> list[str]:
    colour = (trace.raw.get("marker") or {}).get("color")
    if isinstance(colour, list):
        return [str(c) for c in colour]
    return [trace.color] * max(len(trace.x), len(trace.y))


def _draw_bars(
    canvas: Canvas,
    bars: Sequence[Trace],
    category: Axis,
    value: Axis,
    barmode: str,
) -> None:
    """Vertical or horizontal bars: grouped side by side, or stacked (`stack` adds up,
    `relative` stacks positives up and negatives down from zero)."""
    slot = category.slot() * 0.8
    grouped = barmode == "group" and len(bars) > 1
    width = slot / len(bars) if grouped else slot
    ups: dict[str, float] = {}
    downs: dict[str, float] = {}
    zero = value.frac(0.0) or 0.0
    for number, trace in enumerate(bars):
        keys, amounts = (trace.y, trace.x) if trace.horizontal else (trace.x, trace.y)
        colours = _bar_colours(trace)
        texts = _values(trace.raw.get("text")) if isinstance(trace.raw.get("text"), list) else []
        for i, key in enumerate(keys):
            centre, amount = category.frac(key), _number(_at(amounts, i))
            if centre is None or amount is None:
                continue
            if grouped:
                centre += -slot / 2 + width * (number + 0.5)
            base = 0.0
            if barmode in ("stack", "relative"):
                pile = ups if amount >= 0 or barmode == "stack" else downs
                base = pile.get(str(key), 0.0)
                pile[str(key)] = base + amount
            start, end = value.frac(base), value.frac(base + amount)
            if start is None or end is None:
                continue
            colour = _at(colours, i) or trace.color
            tip = trace.tooltip(i)
            if trace.horizontal:
                canvas.rect(
                    start, 1 - (centre - width / 2), end, 1 - (centre + width / 2), colour, tip
                )
            else:
                canvas.rect(centre - width / 2, 1 - start, centre + width / 2, 1 - end, colour, tip)
            text = _at(texts, i)
            if text is not None and trace.horizontal:
                outside = end >= start
                canvas.label(end, 1 - centre, str(text), "after" if outside else "before")
    del zero


def _draw_waterfall(canvas: Canvas, trace: Trace, category: Axis, value: Axis) -> None:
    measures = trace.raw.get("measure") or []
    width = category.slot() * 0.8
    running = 0.0
    tops: list[tuple[float, float]] = []
    for i, key in enumerate(trace.x):
        amount, centre = _number(_at(trace.y, i)), category.frac(key)
        if amount is None or centre is None:
            continue
        measure = _at(measures, i) or "relative"
        if measure == "absolute":
            base, running, colour = 0.0, amount, TOTAL
        elif measure == "total":
            base, colour = 0.0, TOTAL
        else:
            base, running = running, running + amount
            colour = INCREASING if amount >= 0 else DECREASING
        top = running
        low, high = value.frac(base), value.frac(top)
        if low is None or high is None:
            continue
        clipped_low, clipped_high = min(max(low, 0.0), 1.0), min(max(high, 0.0), 1.0)
        tip = f"{key}: {format_value(amount if measure == 'relative' else running)}"
        canvas.rect(
            centre - width / 2, 1 - clipped_low, centre + width / 2, 1 - clipped_high, colour, tip
        )
        tops.append((centre, high))
    for (left, level), (right, _) in itertools.pairwise(tops):
        canvas.path(
            [(left + width / 2, 1 - level), (right - width / 2, 1 - level)],
            'stroke="#6b7280" stroke-width="1" vector-effect="non-scaling-stroke"',
        )


def _draw_funnel(canvas: Canvas, trace: Trace, category: Axis) -> None:
    amounts = [_number(v) or 0.0 for v in trace.x]
    widest = max(amounts, default=0.0) or 1.0
    first = amounts[0] if amounts else 0.0
    show_share = "percent initial" in str(trace.raw.get("textinfo", "")) and first > 0
    height = category.slot() * 0.8
    for i, key in enumerate(trace.y):
        centre = category.frac(key)
        if centre is None:
            continue
        half = amounts[i] / widest / 2
        text = format_value(amounts[i])
        if show_share:
            text += f" ({amounts[i] / first:.0%})"
        canvas.rect(0.5 - half, 1 - centre - height / 2, 0.5 + half, 1 - centre + height / 2,
                    trace.color, f"{key}: {text}")  # fmt: skip
        canvas.label(0.5, 1 - centre, text, "centre")


def _colour_scale(raw: Any) -> tuple[tuple[float, tuple[int, int, int]], ...]:
    if isinstance(raw, list) and raw:
        stops = []
        for position, colour in raw:
            found = re.findall(r"\d+", str(colour))
            if str(colour).startswith("rgb") and len(found) >= 3:
                stops.append((float(position), (int(found[0]), int(found[1]), int(found[2]))))
            elif str(colour).startswith("#") and len(str(colour)) == 7:
                text = str(colour)
                rgb = (int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16))
                stops.append((float(position), rgb))
        if len(stops) >= 2:
            return tuple(stops)
    return BLUES


def _interpolate(scale: Sequence[tuple[float, tuple[int, int, int]]], share: float) -> str:
    share = min(max(share, 0.0), 1.0)
    for (p0, c0), (p1, c1) in itertools.pairwise(scale):
        if share <= p1:
            t = 0.0 if p1 == p0 else (share - p0) / (p1 - p0)
            r, g, b = (round(a + (b - a) * t) for a, b in zip(c0, c1, strict=True))
            return f"#{r:02x}{g:02x}{b:02x}"
    r, g, b = scale[-1][1]
    return f"#{r:02x}{g:02x}{b:02x}"
