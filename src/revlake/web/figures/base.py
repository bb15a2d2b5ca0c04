"""What every dashboard figure shares: the layout, the JSON figures.render draws, and the data
table that goes beside each chart (its text alternative for screen readers and keyboards).
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import plotly.graph_objects as go

COLORWAY = ("#2563eb", "#c2410c", "#047857", "#7c3aed", "#be123c", "#0e7490", "#a16207", "#4b5563")
"""Trace colours of figures that set none: each at least 4.6:1 against the white plot
(WCAG 2.1 1.4.11 asks 3:1 for graphics), unlike plotly's default (#00cc96 is 2.1:1)."""

LAYOUT: dict[str, Any] = {
    "margin": {"l": 50, "r": 10, "t": 30, "b": 40},
    "height": 320,
    "template": "plotly_white",
    "colorway": list(COLORWAY),
    "legend": {"orientation": "h", "y": -0.2},
    "font": {"size": 12},
}
"""The layout every figure starts from (`fig.update_layout(**LAYOUT, ...)`)."""


def to_json(fig: go.Figure) -> str:
    """The figure as JSON, safe inside `<script type="application/json">`."""
    text = fig.to_json()
    assert isinstance(text, str)
    return text.replace("</", "<\\/")


@dataclass(frozen=True)
class ChartTable:
    """A chart's numbers as a table (the text alternative of a figure, WCAG 1.1.1): the
    header row and the body rows as display strings, the first column the category."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def chart_tables(figure_json: str) -> list[ChartTable]:
    """The numbers a figure plots, as the tables the page shows under its chart: one for
    its category traces (bar, scatter, waterfall, funnel: merged on the shared category
    axis), one per heatmap and one per pie. Read from the figure's own JSON, so every
    chart gets its table without its page doing anything; cached per figure text."""
    return list(_chart_tables(figure_json))


@lru_cache(maxsize=256)
def _chart_tables(figure_json: str) -> tuple[ChartTable, ...]:
    figure = json.loads(figure_json)
    layout = figure.get("layout", {})
    tables: list[ChartTable] = []
    merged: dict[str, dict[str, str]] = {}  # category → column → value
    columns: list[str] = []
    category_title = ""
    for trace in figure.get("data", []):
        kind = trace.get("type", "scatter")
        if kind == "heatmap":
            tables.append(_heatmap_table(trace))
            continue
        if kind == "pie":
            pairs = zip(_values(trace.get("labels")), _values(trace.get("values")), strict=False)
            slices = tuple((_cell(label), _cell(value)) for label, value in pairs)
            tables.append(ChartTable((str(trace.get("name") or ""), "Value"), slices))
            continue
        horizontal = trace.get("orientation", "h" if kind == "funnel" else "v") == "h"
        keys, values = _values(trace.get("x")), _values(trace.get("y"))
        if horizontal:
            keys, values = values, keys
        if not values:
            continue
        if not keys:
            keys = list(range(1, len(values) + 1))
        category_title = category_title or _axis_title(layout, "yaxis" if horizontal else "xaxis")
        value_title = _axis_title(layout, "xaxis" if horizontal else "yaxis")
        column = _unique(str(trace.get("name") or value_title or "Value"), columns)
        columns.append(column)
        for key, value in zip(keys, values, strict=False):
            merged.setdefault(_cell(key), {})[column] = _cell(value)
    if columns:
        body = tuple(
            (category, *(row.get(column, "–") for column in columns))
            for category, row in merged.items()
        )
        tables.insert(0, ChartTable((category_title or "Category", *columns), body))
    return tuple(tables)


def _heatmap_table(trace: dict[str, Any]) -> ChartTable:
    """A heatmap's z as a table: a row per y, a column per x."""
    z = _values(trace.get("z"))
    ys = _values(trace.get("y")) or list(range(len(z)))
    width = max((len(row) for row in z), default=0)
    xs = _values(trace.get("x")) or list(range(width))
    body = tuple(
        (_cell(y), *(_cell(v) for v in (list(row) + [None] * width)[:width]))
        for y, row in zip(ys, z, strict=False)
    )
    return ChartTable((str(trace.get("name") or "Row"), *(_cell(x) for x in xs[:width])), body)


def _values(raw: Any) -> list[Any]:
    """A trace array as a list, decoding plotly's typed arrays ({dtype, bdata, shape})."""
    if raw is None:
        return []
    if isinstance(raw, dict) and "bdata" in raw:
        array = np.frombuffer(base64.b64decode(raw["bdata"]), dtype=np.dtype(raw["dtype"]))
        if raw.get("shape"):
            array = array.reshape([int(n) for n in str(raw["shape"]).split(",")])
        return list(array.tolist())
    if isinstance(raw, list):
        return [_values(item) if isinstance(item, dict | list) else item for item in raw]
    return [raw]


def _axis_title(layout: dict[str, Any], axis: str) -> str:
    title = layout.get(axis, {}).get("title")
    if isinstance(title, dict):
        title = title.get("text")
    return str(title or "")


def _unique(name: str, taken: list[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name} ({n})", n + 1
    return candidate


def _cell(value: Any) -> str:
    """A value as the table shows it: numbers with thousands separators, two decimals
    from 1 up and three significant digits below; missing as an en dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    if abs(value) >= 1:
        return f"{value:,.2f}"
    return f"{value:.3g}"
