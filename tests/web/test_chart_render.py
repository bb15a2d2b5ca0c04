"""Charts drawn on the server (revlake.web.figures.render): each mark where its value puts
it, every value in a tooltip, axes with round ticks, and text escaped."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal

import plotly.graph_objects as go

from revlake.ml.explain import driver_label
from revlake.schemas.common import MonthMovements
from revlake.web.figures import core, deals
from revlake.web.figures.base import LAYOUT, to_json
from revlake.web.figures.chart_axes import format_value, hover_text, nice_ticks, si_label
from revlake.web.figures.chart_marks import VIEW
from revlake.web.figures.render import render_chart

RECT = re.compile(
    r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="([^"]+)">'
    r"<title>([^<]*)</title></rect>"
)
TICK = re.compile(
    r'<span class="rl-tick[^"]*" style="(?:left|top):([\d.]+)%[^"]*" title="[^"]*">([^<]*)</span>'
)


def _render(fig: go.Figure, label: str = "test chart") -> str:
    return str(render_chart(to_json(fig), label))


def _bars(markup: str) -> list[tuple[float, float, float, float, str, str]]:
    return [
        (float(x), float(y), float(w), float(h), fill, html.unescape(tip))
        for x, y, w, h, fill, tip in RECT.findall(markup)
    ]


def _ticks(markup: str, axis_class: str) -> list[tuple[float, str]]:
    block = markup.split(f'class="{axis_class}"', 1)[1].split("</div>", 1)[0]
    return [(float(pos), html.unescape(text)) for pos, text in TICK.findall(block)]


def _value_at(markup: str, axis_class: str, y_view: float) -> float:
    """The value a point `y_view` (view-box units from the top) stands for, read back from
    the axis's own tick labels (two of them define the linear scale)."""
    ticks = _ticks(markup, axis_class)
    (p0, t0), (p1, t1) = ticks[0], ticks[-1]
    v0, v1 = _parse(t0), _parse(t1)
    position = 100 - y_view / VIEW * 100  # the tick's `top` is measured from the top
    return v0 + (v1 - v0) * ((100 - position) - p0) / (p1 - p0)


def _parse(label: str) -> float:
    scale = {"k": 1e3, "M": 1e6, "B": 1e9}
    text = label.replace("−", "-").replace(",", "").rstrip("%")
    return float(text[:-1]) * scale[text[-1]] if text[-1] in scale else float(text)


def test_hover_templates_are_filled_like_plotlys() -> None:
    point = {"x": "2025-03-01", "y": 1234567.891, "customdata": 14814814.7, "text": "3"}
    template = "%{x|%b %Y}<br>MRR %{y:,.0f} USD<br>ARR %{customdata:,.0f}<extra></extra>"
    assert hover_text(template, point) == "Mar 2025\nMRR 1,234,568 USD\nARR 14,814,815"
    assert hover_text("%{x}: %{y:+.1f} points (%{text} bills)", point) == (
        "2025-03-01: +1234567.9 points (3 bills)"
    )
    assert format_value(-1234.5) == "−1,234.5"
    assert format_value(None) == "–"
    assert format_value(Decimal("12.00")) == "12"


def test_tick_labels_are_round_and_short() -> None:
    assert nice_ticks(0, 3.7e6) == [0, 1e6, 2e6, 3e6]
    assert nice_ticks(-90_000, 240_000) == [0, 100_000, 200_000]  # the axis adds one each side
    assert nice_ticks(0, 1.0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert [si_label(v, 250_000) for v in (0, 250_000, 1_000_000, 1_250_000)] == [
        "0", "250k", "1M", "1.25M"
    ]  # fmt: skip
    assert si_label(0.25, 0.05) == "0.25"
    assert [si_label(v, 2.5) for v in (-7.5, -5, 2.5)] == ["−7.5", "−5", "2.5"]
    assert si_label(1_250_000, 250_000) == "1.25M" and si_label(750, 250) == "750"
    assert si_label(-20, 10) == "−20"


def test_stacked_bars_end_at_their_sums_and_carry_their_values() -> None:
    months = ["2025-01-01", "2025-02-01", "2025-03-01"]
    fig = go.Figure(
        [
            go.Bar(x=months, y=[100, 200, 300], name="current"),
            go.Bar(x=months, y=[50, 0, 150], name="1-30"),
        ]
    )
    fig.update_layout(**LAYOUT, barmode="stack", yaxis={"title": "Receivables (USD)"})
    markup = _render(fig)
    bars = _bars(markup)
    assert len(bars) == 6
    tops = {}
    for x, y, w, _h, _, _tip in bars:
        tops.setdefault(round(x + w / 2), []).append(y)
    assert len(tops) == 3 and all(len(v) == 2 for v in tops.values())
    for (centre, ys), total in zip(sorted(tops.items()), (150, 200, 450), strict=True):
        assert abs(_value_at(markup, "rl-yticks", min(ys)) - total) < total * 0.01, centre
    assert "1-30 · Mar 2025: 150" in {tip for *_, tip in bars}
    assert "Receivables (USD)" in markup and 'role="img"' in markup
    assert 'aria-label="Chart: test chart"' in markup


def test_relative_bars_put_negatives_below_zero() -> None:
    fig = go.Figure(
        [go.Bar(x=["a", "b"], y=[10, 20], name="up"), go.Bar(x=["a", "b"], y=[-5, -8], name="down")]
    )
    fig.update_layout(**LAYOUT, barmode="relative")
    markup = _render(fig)
    zero = _value_at(markup, "rl-yticks", 0)  # sanity: the scale reads back
    assert zero > 20
    down = [b for b in _bars(markup) if b[5].startswith("down")]
    for _x, y, _w, _h, *_ in down:
        assert _value_at(markup, "rl-yticks", y) == pytest_approx(0.0)
    lowest = max(y + h for x, y, w, h, *_ in down)
    assert _value_at(markup, "rl-yticks", lowest) == pytest_approx(-8.0)


def pytest_approx(value: float) -> object:
    import pytest

    return pytest.approx(value, abs=0.2)


def test_the_waterfall_ends_at_the_end_value() -> None:
    row = MonthMovements(
        month=date(2025, 6, 1), new=Decimal(100), expansion=Decimal(40), reactivation=Decimal(0),
        contraction=Decimal(-10), churn=Decimal(-30), fx_impact=Decimal(0), net_new=Decimal(100),
        mrr=Decimal(1100), customers=10, new_customers=2, churned_customers=1,
        reactivated_customers=0,
    )  # fmt: skip
    markup = str(render_chart(core.waterfall(row, Decimal(1000), "USD"), "bridge"))
    bars = _bars(markup)
    assert [tip.split(":")[0] for *_, tip in bars] == [
        "Start", "New", "Expansion", "Reactivation", "Contraction", "Churn", "FX", "End"
    ]  # fmt: skip
    end = bars[-1]
    assert _value_at(markup, "rl-yticks", end[1]) == pytest_approx(1100)
    churn = bars[5]
    assert _value_at(markup, "rl-yticks", churn[1]) == pytest_approx(1130)
    assert _value_at(markup, "rl-yticks", churn[1] + churn[3]) == pytest_approx(1100)
    assert bars[1][4] != bars[5][4]  # increases and decreases in their own colours


def test_the_mrr_trend_right_axis_reads_arr() -> None:
    months = [{"month": date(2025, m, 1), "mrr": 1000.0 * m, "arr": 12000.0 * m} for m in (1, 2, 3)]
    markup = str(render_chart(core.mrr_trend(months, "USD"), "trend"))
    left = [(_parse(t), p) for p, t in _ticks(markup, "rl-yticks")]
    assert left and left[0][0] == 0
    right_block = markup.split('class="rl-yticks rl-right"', 1)[1]
    right = [(_parse(t), float(p)) for p, t in TICK.findall(right_block.split("</div>", 1)[0])]
    # the same height on both axes: ARR = 12 × MRR
    for value, position in right:
        mrr_top = max(v for v, _ in left)
        assert value / 12 <= mrr_top * 1.0001
        expected = 100 - value / 12 / (3000 * 1.05) * 100
        assert abs(position - expected) < 0.5, (value, position, expected)
    assert "Mar 2025\nMRR 3,000 USD\nARR 36,000 USD" in html.unescape(markup)


def test_lines_markers_bands_and_heatmaps() -> None:
    fig = go.Figure(
        [
            go.Scatter(x=[1, 2, 3], y=[5, 6, 7], mode="lines", line={"width": 0}, showlegend=False),
            go.Scatter(x=[1, 2, 3], y=[1, 2, 3], mode="lines", fill="tonexty", name="band"),
            go.Scatter(x=[1, 2, 3], y=[3, 4, None], mode="lines+markers", name="P50"),
        ]
    )
    fig.update_layout(**LAYOUT)
    markup = _render(fig)
    assert markup.count(" Z") == 1  # one closed band
    assert markup.count('class="rl-m rl-m-circle"') == 2  # a marker per value, none for None
    assert '<ul class="rl-legend">' in markup and ">band</li>" in markup
    assert ">P50</li>" in markup and markup.count("<li>") == 2  # the hidden trace is not listed
    template = "cohort %{y}, month %{x}: %{z}%<extra></extra>"
    cohorts = ["2025-01", "2025-02"]
    cells_z = [[100, 50], [90, None]]
    heatmap = go.Heatmap(
        z=cells_z, x=[0, 1], y=cohorts, colorscale="Blues", zmin=0, zmax=100, hovertemplate=template
    )
    heat = go.Figure(heatmap)
    heat.update_layout(**LAYOUT, xaxis={"title": "months since first payment"})
    table = str(render_chart(to_json(heat), "cohorts"))
    # a table of coloured cells with their values: a row per cohort, a column per month
    cells = re.findall(
        r'<td style="background:(#[0-9a-f]{6})"( class="rl-on-dark")?>([^<]*)</td>', table
    )
    assert [value for *_, value in cells] == ["100", "50", "90"]
    assert table.count("<td></td>") == 2  # the header's corner and the missing cell
    assert cells[0][0] == "#4292c6" and not cells[0][1]  # zmax: as deep as dark text reads
    assert cells[1][0] != cells[0][0] and not cells[1][1]  # 50: lighter
    assert '<th scope="row">2025-02</th>' in table and "months since first payment" in table
    assert 'role="region"' in table and 'aria-label="Chart: cohorts"' in table


def test_names_from_the_data_are_escaped() -> None:
    fig = go.Figure(go.Bar(x=["<script>alert(1)</script>", "b"], y=[1, 2], name="<b>x</b>"))
    fig.update_layout(**LAYOUT)
    markup = _render(fig, 'say "hi" <now>')
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert 'aria-label="Chart: say &#34;hi&#34; &lt;now&gt;"' in markup


def test_model_features_are_named_for_people() -> None:
    assert driver_label("days_in_stage", "67.0") == "time in current stage: 67 days"
    assert driver_label("rep_win_rate", "0.35") == "rep's win rate: 35%"
    assert driver_label("amount", "493190.0") == "amount: 493,190"
    assert driver_label("segment", "enterprise") == "segment: enterprise"
    assert driver_label("stage_velocity", None) == "stage velocity"
    markup = str(render_chart(deals.importance({"days_in_stage": 0.6, "rep_win_rate": 0.2}), "x"))
    assert "time in current stage" in markup and "days_in_stage" not in markup
