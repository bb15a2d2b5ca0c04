"""KPI sparklines (formatting.sparkline): an inline SVG drawn on the server, labelled."""

from __future__ import annotations

import re
from decimal import Decimal

from revlake.web import formatting


def points(svg: str) -> list[tuple[float, float]]:
    found = re.search(r'<polyline points="([^"]+)"', svg)
    assert found is not None
    return [(float(x), float(y)) for x, y in (p.split(",") for p in found.group(1).split())]


def test_the_line_rises_where_the_values_rise() -> None:
    svg = str(formatting.sparkline([1.0, 3.0, 2.0, 5.0], "MRR"))
    xy = points(svg)
    assert len(xy) == 4 and [x for x, _ in xy] == sorted(x for x, _ in xy)
    ys = [y for _, y in xy]  # SVG y grows downwards: the highest value is the smallest y
    assert ys.index(min(ys)) == 3 and ys.index(max(ys)) == 0
    pad, height = formatting.SPARK_PAD, formatting.SPARK_HEIGHT
    assert min(ys) == pad and max(ys) == height - pad
    assert 'role="img"' in svg and 'aria-label="MRR"' in svg


def test_missing_values_are_skipped_and_short_series_draw_nothing() -> None:
    svg = str(formatting.sparkline([Decimal("10"), None, Decimal("12")], "x"))
    assert len(points(svg)) == 2 and 'data-points="2"' in svg
    assert formatting.sparkline([5.0], "x") == ""
    assert formatting.sparkline([None, 5.0, None], "x") == ""


def test_a_flat_series_is_a_line_through_the_middle() -> None:
    ys = {y for _, y in points(str(formatting.sparkline([7.0, 7.0, 7.0], "flat")))}
    assert ys == {formatting.SPARK_HEIGHT / 2}


def test_the_label_says_where_the_kpi_went_and_is_escaped() -> None:
    svg = str(formatting.kpi_sparkline("money", "mrr", "MRR <net>", [1000.0, 1500.0], "USD"))
    assert 'aria-label="MRR &lt;net&gt;, last 2 months: $1,000 to $1,500"' in svg
    churn = str(formatting.kpi_sparkline("ratio", "churn", "Churn", [0.02, None, 0.031], "USD"))
    assert "last 3 months: 2.0% to 3.1%" in churn
