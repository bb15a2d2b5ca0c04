"""How the dashboard writes changes of KPIs (issue 15: "−988.0 pts" for a quick ratio)."""

from __future__ import annotations

import datetime as dt
import json

from revlake.web import formatting
from revlake.web.figures.core import mrr_trend


def test_a_quick_ratio_change_is_in_its_own_unit() -> None:
    # 13.1 → 3.22: the ratio fell by 9.88, not "988 points"
    assert formatting.kpi_delta("ratio", -9.88, -0.754, "USD", "quick_ratio") == "-9.88"


def test_percent_like_ratios_change_in_points() -> None:
    assert formatting.kpi_delta("ratio", -0.012, -0.0117, "USD", "nrr") == "-1.2 pts"


def test_the_mrr_chart_draws_mrr_once_with_arr_on_the_right_axis() -> None:
    months = [
        {"month": dt.date(2024, m, 1), "mrr": 1000.0 * m, "arr": 12000.0 * m} for m in (1, 2, 3)
    ]
    figure = json.loads(mrr_trend(months, "USD"))
    visible = [t for t in figure["data"] if t.get("mode") == "lines"]
    assert [t["name"] for t in visible] == ["MRR"]
    assert visible[0]["customdata"] == [12000.0, 24000.0, 36000.0]  # ARR in the hover
    layout = figure["layout"]
    assert layout["yaxis2"]["range"][1] == layout["yaxis"]["range"][1] * 12


def test_pipeline_coverage_says_times() -> None:
    assert formatting.multiple(4.1634) == "4.16×"
    assert formatting.multiple(None) == "–"


def test_publish_age_reads_in_the_unit_a_person_thinks_in() -> None:
    assert formatting.ago(5) == "just now"
    assert formatting.ago(12 * 60 + 30) == "12 min ago"
    assert formatting.ago(2 * 3600 + 59 * 60) == "2 h ago"
    assert formatting.ago(3 * 86400) == "3 days ago"


def test_money_reads_the_api_decimal_text_exactly_and_changes_say_what_they_compare() -> None:
    assert formatting.money("1234.50", "USD", decimals=2) == "$1,234.50"
    assert formatting.money("-0.10", "EUR", decimals=2) == "−€0.10"
    assert formatting.change_percent(0.0421, "MoM") == "+4.2% MoM"
    assert formatting.change_percent(None, "YoY") == "–"


def test_model_is_named_by_kind_and_training_time_not_registry_id() -> None:
    assert formatting.model("lightgbm", "20261206T123224Z") == (
        "LightGBM model trained 6 Dec 2026 12:32 UTC"
    )
    assert formatting.model("lightgbm", "20261206T123224Z-2").endswith("12:32 UTC")
    assert formatting.model(None, "20250101T000000Z") == "model trained 1 Jan 2025 00:00 UTC"
    assert formatting.model("custom", "v7") == "custom model v7"
    assert formatting.model("lightgbm", None) == "LightGBM model"
