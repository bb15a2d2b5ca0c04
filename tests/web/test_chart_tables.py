"""Every chart's data table (its text alternative, WCAG 1.1.1) holds the numbers the
figure plots: read back from the figure's JSON, plotly's typed arrays included."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from revlake.web.figures.base import LAYOUT, ChartTable, chart_tables, to_json


def test_category_traces_share_one_table_on_their_category_axis() -> None:
    fig = go.Figure(
        [
            go.Bar(x=["Jan", "Feb", "Mar"], y=np.array([1200.5, 1300.0, 990.25]), name="MRR"),
            go.Scatter(x=["Feb", "Mar"], y=np.array([0.1234, 0.5]), name="Churn"),
        ]
    )
    fig.update_layout(**LAYOUT, xaxis={"title": "Month"})
    assert chart_tables(to_json(fig)) == [
        ChartTable(
            ("Month", "MRR", "Churn"),
            (
                ("Jan", "1,200.50", "–"),
                ("Feb", "1,300", "0.123"),
                ("Mar", "990.25", "0.5"),
            ),
        )
    ]


def test_horizontal_bars_and_funnels_take_their_categories_from_y() -> None:
    fig = go.Figure(
        [
            go.Bar(y=["seats", "usage"], x=np.array([-3.5, 12.0]), orientation="h"),
            go.Funnel(y=["Leads", "Won"], x=[50, 5], name="Count"),
        ]
    )
    fig.update_layout(**LAYOUT, xaxis={"title": "points"})
    (table,) = chart_tables(to_json(fig))
    assert table.columns == ("Category", "points", "Count")
    assert table.rows == (
        ("seats", "-3.50", "–"),
        ("usage", "12", "–"),
        ("Leads", "–", "50"),
        ("Won", "–", "5"),
    )


def test_a_heatmap_is_a_table_of_its_own_rows_and_columns() -> None:
    z = np.array([[1.0, 0.9], [1.0, np.nan]])
    fig = go.Figure(go.Heatmap(z=z, x=[0, 1], y=["2025-01", "2025-02"]))
    fig.update_layout(**LAYOUT)
    assert chart_tables(to_json(fig)) == [
        ChartTable(("Row", "0", "1"), (("2025-01", "1", "0.9"), ("2025-02", "1", "–")))
    ]


def test_the_layout_colours_every_trace_at_3_to_1_or_more() -> None:
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for colour in LAYOUT["colorway"]:
        assert 1.05 / (luminance(colour) + 0.05) >= 3, colour
