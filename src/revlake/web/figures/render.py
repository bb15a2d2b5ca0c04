"""Charts drawn on the server: a figure's JSON (the plotly figure the figure modules build)
turned into HTML and SVG the browser lays out in one pass, with no script.

Why: drawing with plotly.js in the browser cost 15–60 ms a chart on every load, plus its
1.2 MB bundle evaluated on every page with a chart; a warm page with two or three charts
took 120–230 ms where the HTML alone took 30–50 ms. Here the browser only lays out HTML.

How it stays readable at any width: marks (lines, areas, bars, cells) are in an SVG whose
view box is stretched over the plot area (`preserveAspectRatio="none"`; strokes keep their
width with `vector-effect: non-scaling-stroke`); text (tick labels, titles, legend, bar
labels) and point markers are HTML positioned in percent of the plot area, so they keep
their size and wrap on a phone. Each mark carries its value as a tooltip (`<title>`, or a
column band per x for lines); the chart's numbers are also the data table under it
(`base.chart_tables`). Supported: the traces and layout the figure modules use (scatter
lines, markers, `fill="tonexty"`, error bars; bars grouped, stacked, relative, horizontal,
with text; waterfall; funnel; heatmap; a second y axis on the right; vertical lines).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape

from revlake.web.figures.base import _values
from revlake.web.figures.chart_axes import (
    Axis,
    _axis_kind,
    _category_axis,
    _date_axis,
    _day,
    _number,
    _title,
    _value_axis,
    format_value,
)
from revlake.web.figures.chart_marks import (
    VIEW,
    Canvas,
    Trace,
    _at,
    _colour_scale,
    _draw_bars,
    _draw_funnel,
    _draw_scatter,
    _draw_waterfall,
    _interpolate,
    _traces,
    category_label,
)

PLOT_MARGIN_PX = 88
"""Height taken from the figure's height for the x tick labels and title."""
MIN_PLOT_PX = 110


HEAT_DEPTH = 0.625
"""How far along its colour scale a heatmap cell goes at zmax: Blues up to #4292c6, so
the dark text on every cell has a contrast of at least 4.5:1 (WCAG 1.4.3); the darker
end would need white text, and the middle of the scale has neither."""
DARK_TEXT = 0.0092
"""Relative luminance of the cells' dark text colour (#111827, style.css)."""


@lru_cache(maxsize=256)
def drawn_as_table(figure_json: str) -> bool:
    """Whether the chart is a table of its values (a heatmap): it is then its own text
    alternative, and the page shows no second data table under it."""
    return any(trace.get("type") == "heatmap" for trace in json.loads(figure_json).get("data", []))


@lru_cache(maxsize=256)
def render_chart(figure_json: str, label: str) -> Markup:
    """The chart of a figure as HTML (an accessible image named `label`); cached per figure."""
    figure = json.loads(figure_json)
    layout: dict[str, Any] = figure.get("layout", {})
    traces = _traces(figure)
    heatmap = next((t for t in traces if t.kind == "heatmap"), None)
    if heatmap is not None:
        return Markup(_heatmap_grid(heatmap, layout, label))
    canvas = Canvas()
    if any(t.kind == "funnel" or (t.kind == "bar" and t.horizontal) for t in traces):
        axes = _horizontal_chart(canvas, traces, layout)
    else:
        axes = _cartesian_chart(canvas, traces, layout)
    height = int(layout.get("height") or 320)
    return Markup(_assemble(canvas, layout, traces, axes, height, label))


@dataclass
class Axes:
    """The axes a chart drew on."""

    x: Axis
    y: Axis
    y2: Axis | None = None


def _heatmap_grid(trace: Trace, layout: dict[str, Any], label: str) -> str:
    """A heatmap as a table of coloured cells with their values in them (the cohort
    table ChartMogul and Baremetrics show): a row per y, a column per x, each cell's
    colour from the trace's scale between zmin and zmax, its text dark or white for
    contrast. A table reads better than colour alone and is lighter than a mark per cell."""
    z = [list(row) for row in _values(trace.raw.get("z"))]
    flat = [v for row in z for v in (_number(c) for c in row) if v is not None]
    low = _number(trace.raw.get("zmin"))
    high = _number(trace.raw.get("zmax"))
    low = min(flat, default=0.0) if low is None else low
    high = max(flat, default=1.0) if high is None else high
    scale = _colour_scale(trace.raw.get("colorscale"))
    unit = _title(trace.raw.get("colorbar") or {})
    x_title = _title(dict(layout.get("xaxis") or {}))
    width = max((len(row) for row in z), default=0)
    head = "".join(f'<th scope="col">{escape(str(x))}</th>' for x in trace.x[:width])
    rows = []
    for r, row in enumerate(z):
        cells = []
        for cell in row:
            amount = _number(cell)
            if amount is None:
                cells.append("<td></td>")
                continue
            share = 0.0 if high == low else min(max((amount - low) / (high - low), 0.0), 1.0)
            colour = _interpolate(scale, share * HEAT_DEPTH)
            dark = ' class="rl-on-dark"' if _white_reads_better(colour) else ""
            cells.append(f'<td style="background:{colour}"{dark}>{escape(format_value(cell))}</td>')
        rows.append(f'<tr><th scope="row">{escape(str(_at(trace.y, r)))}</th>{"".join(cells)}</tr>')
    stops = ", ".join(f"{_interpolate(scale, p * HEAT_DEPTH)} {p * 100:.0f}%" for p, _ in scale)
    key = (
        f'<p class="rl-heat-key">{escape(format_value(low))}{escape(unit)} '
        f'<span class="rl-heat-bar" style="background:linear-gradient(to right, {stops})"></span> '
        f"{escape(format_value(high))}{escape(unit)}</p>"
    )
    return (
        f'<div class="rl-chart rl-heat" role="region" aria-label="Chart: {escape(label)}" '
        f'tabindex="0"><table><caption>{escape(label)}'
        f"{f' ({escape(unit)})' if unit else ''}</caption>"
        f'<thead><tr><th scope="col">{escape(_title(dict(layout.get("yaxis") or {})))}</th>'
        f'<th scope="colgroup" colspan="{width}">{escape(x_title)}</th></tr>'
        f"<tr><td></td>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{key}</div>"
    )


def _white_reads_better(colour: str) -> bool:
    """Whether white text contrasts more than the dark text colour on `colour` (WCAG
    relative luminance; with HEAT_DEPTH the dark text reads at 4.5:1 or more on Blues)."""
    luminance = _luminance(colour)
    return 1.05 / (luminance + 0.05) > (luminance + 0.05) / (DARK_TEXT + 0.05)


def _luminance(colour: str) -> float:
    """Relative luminance (WCAG) of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _horizontal_chart(canvas: Canvas, traces: list[Trace], layout: dict[str, Any]) -> Axes:
    """Horizontal bars (drivers, importance, countries) or a funnel: categories down the
    left, values along the bottom."""
    bars = [t for t in traces if t.kind == "bar"]
    funnels = [t for t in traces if t.kind == "funnel"]
    barmode = str(layout.get("barmode") or "group")
    categories = [v for t in bars + funnels for v in t.y]
    y_axis = _category_axis(categories, dict(layout.get("yaxis") or {}))
    if funnels:
        for trace in funnels:
            _draw_funnel(canvas, trace, y_axis)
        return Axes(Axis("linear", visible=False), y_axis)
    extent = _stack_extent(bars, barmode) + [v for t in bars for v in _numbers(t.x)]
    x_axis = _value_axis(extent, dict(layout.get("xaxis") or {}), include_zero=True, pad=0.12)
    _grid(canvas, x_axis, "x")
    _zero_line(canvas, x_axis, "x")
    _draw_bars(canvas, bars, y_axis, x_axis, barmode)
    return Axes(x_axis, y_axis)


def _x_axis(traces: list[Trace], layout: dict[str, Any], has_bars: bool) -> Axis:
    """The x axis of a vertical chart: categories, dates or numbers, as the values are
    (or as the layout declares); bars get half a slot of room at each end."""
    spec = dict(layout.get("xaxis") or {})
    x_values = [v for t in traces for v in t.x]
    kind = _axis_kind(x_values, spec.get("type"))
    if kind == "category":
        return _category_axis(x_values, spec)
    if kind == "date":
        marked = [s.get("x0") for s in layout.get("shapes") or []]  # a vline stays in view
        days = [d for d in (_day(v) for v in x_values + marked) if d is not None]
        gap = _min_gap(days) or 30.0
        axis = _date_axis(days, spec, gap * 0.5 if has_bars else 0.0)
    else:
        numbers = _numbers(x_values)
        gap = _min_gap(numbers) or 1.0
        pad = gap * 0.5 if has_bars else 0.0
        bounds = [min(numbers, default=0.0) - pad, max(numbers, default=1.0) + pad]
        axis = _value_axis(bounds, spec, include_zero=False, pad=0.0)
    axis.slot_width = gap / ((axis.high - axis.low) or 1.0)
    return axis


def _left_extent(traces: list[Trace], barmode: str) -> list[float]:
    """Every value the left y axis must hold: points, error bar ends, waterfall levels,
    bar tops (stacked or not) and zero under bars."""
    extent: list[float] = []
    for trace in traces:
        if trace.kind == "waterfall":
            extent += _waterfall_extent(trace)
        elif trace.kind != "bar":
            extent += _numbers(trace.y) + _error_ends(trace)
    bars = [t for t in traces if t.kind == "bar"]
    if bars and barmode in ("stack", "relative"):
        extent += _stack_extent(bars, barmode)
    elif bars:
        extent += [0.0, *(v for t in bars for v in _numbers(t.y))]
    return extent


def _error_ends(trace: Trace) -> list[float]:
    errors = trace.raw.get("error_y") or {}
    if not errors:
        return []
    plus = _values(errors.get("array"))
    minus = _values(errors.get("arrayminus")) or plus
    ends: list[float] = []
    for i, y in enumerate(trace.y):
        centre, up, down = _number(y), _number(_at(plus, i)), _number(_at(minus, i))
        if centre is not None and up is not None and down is not None:
            ends += [centre + up, centre - down]
    return ends


def _cartesian_chart(canvas: Canvas, traces: list[Trace], layout: dict[str, Any]) -> Axes:
    """Vertical bars, waterfalls, lines and markers over x, with a second y axis on the
    right for the traces that name it."""
    barmode = str(layout.get("barmode") or "group")
    left = [t for t in traces if not t.on_right]
    right = [t for t in traces if t.on_right]
    has_bars = any(t.kind in ("bar", "waterfall") for t in traces)
    x_axis = _x_axis(traces, layout, has_bars)
    y_spec = dict(layout.get("yaxis") or {})
    y_values = [v for t in left if t.kind == "scatter" for v in t.y]
    if not has_bars and _axis_kind(y_values, y_spec.get("type")) == "category":
        y_axis = _category_axis(y_values, y_spec)  # points on named rows (a date range)
    else:
        y_axis = _value_axis(_left_extent(left, barmode), y_spec, include_zero=has_bars, pad=0.06)
    y2 = None
    if right or layout.get("yaxis2"):
        values = [v for t in right for v in _numbers(t.y)]
        with_bars = any(t.kind == "bar" for t in right)
        y2 = _value_axis(values, dict(layout.get("yaxis2") or {}), include_zero=with_bars, pad=0.06)
    _grid(canvas, y_axis, "y")
    _zero_line(canvas, y_axis, "y")
    _shapes(canvas, layout, x_axis)
    left_bars = [t for t in left if t.kind == "bar"]
    if left_bars:
        _draw_bars(canvas, left_bars, x_axis, y_axis, barmode)
    for trace in (t for t in traces if t.kind == "waterfall"):
        _draw_waterfall(canvas, trace, x_axis, y_axis)
    previous: list[tuple[float, float]] = []
    scatters = [t for t in traces if t.kind == "scatter"]
    for trace in scatters:
        axis = y2 if trace.on_right and y2 is not None else y_axis
        previous = _draw_scatter(canvas, trace, x_axis.frac, axis.frac, previous)
    if any("markers" not in str(t.raw.get("mode", "lines+markers")) for t in scatters):
        _hover_columns(canvas, scatters, x_axis)
    return Axes(x_axis, y_axis, y2)


def _numbers(values: Sequence[Any]) -> list[float]:
    return [n for n in (_number(v) for v in values) if n is not None]


def _stack_extent(bars: Sequence[Trace], barmode: str) -> list[float]:
    """The values a stacked axis must hold: each category's running totals."""
    ups: dict[str, float] = {}
    downs: dict[str, float] = {}
    found: list[float] = [0.0]
    for trace in bars:
        keys, amounts = (trace.y, trace.x) if trace.horizontal else (trace.x, trace.y)
        for i, key in enumerate(keys):
            amount = _number(_at(amounts, i))
            if amount is None:
                continue
            pile = ups if amount >= 0 or barmode == "stack" else downs
            pile[str(key)] = pile.get(str(key), 0.0) + amount
            found.append(pile[str(key)])
    return found


def _waterfall_extent(trace: Trace) -> list[float]:
    running, found = 0.0, [0.0]
    for i, amount in enumerate(_numbers(trace.y)):
        measure = _at(trace.raw.get("measure") or [], i) or "relative"
        running = (
            amount if measure == "absolute" else running if measure == "total" else running + amount
        )
        found.append(running)
    return found


def _min_gap(positions: Sequence[float]) -> float:
    ordered = sorted(set(positions))
    gaps = [b - a for a, b in itertools.pairwise(ordered) if b > a]
    return min(gaps, default=0.0)


def _shown_in_legend(trace: Trace) -> bool:
    return trace.raw.get("showlegend", True) is not False and trace.kind not in (
        "heatmap",
        "funnel",
        "waterfall",
    )


def _legend(traces: Sequence[Trace], layout: dict[str, Any]) -> str:
    entries = [t for t in traces if _shown_in_legend(t)]
    shown = layout.get("showlegend")
    if shown is False or (shown is None and len(entries) < 2) or not entries:
        return ""
    items = []
    for trace in entries:
        mode = str(trace.raw.get("mode", "lines+markers"))
        if trace.kind == "bar":
            swatch = f'<span class="rl-sw rl-sw-box" style="--c:{escape(trace.color)}"></span>'
        elif trace.raw.get("fill") == "tonexty":
            fill = escape(str(trace.raw.get("fillcolor") or trace.color))
            swatch = f'<span class="rl-sw rl-sw-box" style="--c:{fill}"></span>'
        elif "lines" in mode:
            dash = str((trace.raw.get("line") or {}).get("dash") or "solid")
            swatch = (
                f'<span class="rl-sw rl-sw-line rl-dash-{escape(dash)}" '
                f'style="--c:{escape(trace.color)}"></span>'
            )
        else:
            symbol = str((trace.raw.get("marker") or {}).get("symbol", "circle"))
            shape = symbol if symbol in ("square", "x") else "circle"
            swatch = (
                f'<span class="rl-sw rl-m rl-m-{shape}" style="--s:10px;'
                f'--c:{escape(trace.color)}"></span>'
            )
        items.append(f"<li>{swatch}{escape(trace.name)}</li>")
    return f'<ul class="rl-legend">{"".join(items)}</ul>'


def _ticks_html(axis: Axis, where: str) -> str:
    if not axis.visible:
        return ""
    spans = []
    count = len(axis.ticks)
    for n, (position, text) in enumerate(axis.ticks):
        if not -1e-9 <= position <= 1 + 1e-9:
            continue
        # every other date or number label gives way on a narrow chart (style.css)
        thinned = where == "x" and axis.kind != "category" and count > 3 and n % 2
        thin = " rl-odd" if thinned else ""
        if where == "x" and axis.kind != "category":  # labels at the ends stay inside
            thin += " rl-first" if position < 0.015 else " rl-last" if position > 0.985 else ""
        style = (
            f"left:{position * 100:.3f}%" if where == "x" else f"top:{(1 - position) * 100:.3f}%"
        )
        width = ""
        if where == "x" and axis.kind == "category":
            # a category's name fits its slot: smaller type (down to 8 px) when it is long,
            # worked out by the browser from the chart's width (cqw), then an ellipsis
            slot = max(axis.slot(), 0.04)
            fit = f"calc((100cqw - 90px) * {slot:.4f} / {0.62 * max(len(text), 1):.2f})"
            width = f";max-width:calc({slot * 100:.2f}% - 4px);font-size:clamp(8px, {fit}, 11px)"
        spans.append(
            f'<span class="rl-tick{thin}" style="{style}{width}" title="{escape(text)}">'
            f"{escape(text)}</span>"
        )
    return "".join(spans)


def _grid(canvas: Canvas, axis: Axis, where: str) -> None:
    """Light lines across the plot at a date or number axis's ticks."""
    if axis.visible and axis.kind != "category":
        for position, _ in axis.ticks:
            canvas.rule(position, where, "rl-grid")


def _zero_line(canvas: Canvas, axis: Axis, where: str) -> None:
    """A darker line at zero when a number axis spans both signs."""
    zero = axis.frac(0.0) if axis.kind == "linear" and axis.zeroline else None
    if zero is not None and 0 < zero < 1:
        canvas.rule(zero, where, "rl-zero")


def _hover_columns(canvas: Canvas, lines: Sequence[Trace], x_axis: Axis) -> None:
    """A transparent band per x value of line traces, its tooltip every line's value there
    (a line without markers has nothing else to point at)."""
    by_x: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    positions: dict[str, float] = {}
    for trace in lines:
        if trace.raw.get("hoverinfo") == "skip":
            continue
        for i, x in enumerate(trace.x):
            position = x_axis.frac(x)
            if position is None or _number(_at(trace.y, i)) is None:
                continue
            key = str(x)
            positions[key] = position
            by_x.setdefault(key, []).append(trace.tooltip(i, with_category=False))
            labels[key] = category_label(x)
    for key, texts in by_x.items():  # the x once on top, unless every line names it
        if not all(text.startswith(labels[key]) for text in texts):
            texts.insert(0, labels[key])
    ordered = sorted(positions.items(), key=lambda kv: kv[1])
    for n, (key, position) in enumerate(ordered):
        left = (position + ordered[n - 1][1]) / 2 if n else max(position - 0.5, 0.0)
        right = (
            (position + ordered[n + 1][1]) / 2 if n + 1 < len(ordered) else min(position + 0.5, 1.0)
        )
        canvas.svg.append(
            f'<rect class="rl-col" x="{left * VIEW:.2f}" y="0" width="{(right - left) * VIEW:.2f}" '
            f'height="{VIEW:g}"><title>{escape(chr(10).join(by_x[key]))}</title></rect>'
        )


def _shapes(canvas: Canvas, layout: dict[str, Any], x_axis: Axis) -> None:
    for shape in layout.get("shapes") or []:
        if shape.get("type") != "line" or shape.get("x0") != shape.get("x1"):
            continue
        position = x_axis.frac(shape.get("x0"))
        if position is None:
            continue
        line = shape.get("line") or {}
        dash = ' stroke-dasharray="2 4"' if line.get("dash") == "dot" else ""
        colour = escape(str(line.get("color") or "#6b7280"))
        canvas.svg.append(
            f'<line x1="{position * VIEW:.2f}" x2="{position * VIEW:.2f}" y1="0" y2="{VIEW:g}" '
            f'stroke="{colour}" stroke-width="1.5" vector-effect="non-scaling-stroke"{dash}/>'
        )


def _longest(texts: Sequence[str]) -> str:
    return max(texts, key=len, default="")


def _assemble(
    canvas: Canvas,
    layout: dict[str, Any],
    traces: Sequence[Trace],
    axes: Axes,
    height: int,
    label: str,
) -> str:
    """The chart's grid: y title, y ticks, the plot (marks, markers, x ticks), the right
    axis or colour bar, the x title and the legend."""
    x_axis, y_axis, y2 = axes.x, axes.y, axes.y2
    plot_height = max(height - PLOT_MARGIN_PX, MIN_PLOT_PX)
    y_labels = [text for _, text in y_axis.ticks] if y_axis.visible else []
    y2_labels = [text for _, text in y2.ticks] if y2 is not None else []
    wide_labels = y_axis.kind == "category"
    svg = (
        f'<svg class="rl-svg" viewBox="0 0 {VIEW:g} {VIEW:g}" preserveAspectRatio="none" '
        f'aria-hidden="true" focusable="false">{"".join(canvas.svg)}</svg>'
    )
    parts = [
        f'<div class="rl-chart" role="img" aria-label="Chart: {escape(label)}" '
        f'style="--plot-h:{plot_height}px">',
        f'<div class="rl-ytitle">{escape(y_axis.title) if y_axis.visible else ""}</div>',
        f'<div class="rl-yticks{" rl-wide" if wide_labels else ""}">'
        f'<span class="rl-sizer">{escape(_longest(y_labels))}</span>'
        f"{_ticks_html(y_axis, 'y')}</div>",
        f'<div class="rl-plot">{svg}{"".join(canvas.html)}'
        f'<div class="rl-xticks">{_ticks_html(x_axis, "x")}</div></div>',
    ]
    if y2 is not None:
        parts.append(
            f'<div class="rl-yticks rl-right"><span class="rl-sizer">'
            f"{escape(_longest(y2_labels))}</span>{_ticks_html(y2, 'y')}</div>"
            f'<div class="rl-ytitle rl-right">{escape(y2.title)}</div>'
        )
    parts.append(f'<div class="rl-xtitle">{escape(x_axis.title) if x_axis.visible else ""}</div>')
    parts.append(_legend(traces, layout))
    parts.append("</div>")
    return "".join(parts)
