"""Pipeline-intelligence pages in a real browser with a sales key: the risk table filtered
and sorted through its own form and headings, the deal drill-down's drivers chart, the
forecast fan chart, the model report; the numbers shown equal the API's. A marketing key
sees none of them. Screenshots go to test-artifacts/ like the other dashboard tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from revlake.ml.forecast_service import backtest_tenant
from revlake.web import formatting
from tests.e2e.browser import (
    api,
    chart_marks,
    chart_series,
    charts_rendered,
    log_in,
    logged_in_tab,
    shoot,
)
from tests.serving_support import TENANT, ServedWorkspace

BACKTEST_CSV = Path("reports") / "backtest" / "backtest.csv"


@pytest.fixture(scope="module")
def backtest_report(served: ServedWorkspace) -> Path:
    """`revlake backtest` on the demo tenant (2 cut-offs, small), as the model page reads it."""
    path = served.workspace.tenant_dir(TENANT) / BACKTEST_CSV
    if not path.is_file():
        backtest_tenant(served.workspace, TENANT, cutoffs=2, n_sims=1_000)
    return path


@pytest.fixture(scope="module")
def page(browser_context: Any, base_url: str, sales_key: str) -> Iterator[Any]:
    yield from logged_in_tab(browser_context, base_url, sales_key, "/deals")


def test_risk_table_filter_and_sort(
    page: Any, base_url: str, sales_key: str, artifacts: Path
) -> None:
    summary = api(base_url, sales_key, "/api/v1/deals/summary")
    page.goto(base_url + "/deals")
    assert page.get_by_test_id("at-risk").inner_text() == formatting.money(
        summary["at_risk_amount"], "USD"
    )
    for c in summary["categories"]:
        assert page.get_by_test_id(f"count-{c['category']}").inner_text() == f"{c['deals']:,} deals"
    everything = api(base_url, sales_key, "/api/v1/deals?limit=500")["items"]
    shown = page.locator("table[data-testid=deals] tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.deal)"
    )
    assert shown == [d["id"] for d in everything][:25]
    shoot(page, artifacts, "deals")

    # filter through the form: two risk categories and a stage
    stage = everything[0]["stage"]
    page.check("input[name=risk_category][value=critical]")
    page.check("input[name=risk_category][value=high]")
    page.click("details#stage summary")
    page.check(f"details#stage input[name=stage][value='{stage}']")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url("**/deals?**")
    query = f"risk_category=critical&risk_category=high&stage={stage}"
    expected = api(base_url, sales_key, f"/api/v1/deals?limit=500&{query}")
    assert page.get_by_test_id("total").inner_text() == f"{expected['total']:,} deals"
    rows = page.locator("table[data-testid=deals] tbody tr")
    assert rows.evaluate_all("rows => rows.map(r => r.dataset.deal)") == [
        d["id"] for d in expected["items"]
    ]
    assert set(page.locator("[data-testid=stage]").all_inner_texts()) == {stage}
    # the cards sum the filtered deals: the API's summary with the same filters
    filtered = api(base_url, sales_key, f"/api/v1/deals/summary?{query}")
    assert filtered["open_deals"] == expected["total"] < summary["open_deals"]
    assert page.get_by_test_id("at-risk").inner_text() == formatting.money(
        filtered["at_risk_amount"], "USD"
    )
    assert page.get_by_test_id("open-pipeline").inner_text() == formatting.money(
        filtered["open_pipeline"], "USD"
    )
    assert page.get_by_test_id("summary-scope").is_visible()
    page.click("details#stage summary")  # the picker open, as a user sees it
    shoot(page, artifacts, "deals-filtered")
    page.click("details#stage summary")
    for c in filtered["categories"]:
        assert page.get_by_test_id(f"count-{c['category']}").inner_text() == f"{c['deals']:,} deals"

    # sort by clicking the Amount heading: descending first, then ascending; filters kept
    for sort in ("-amount", "amount"):
        page.click("th a[data-sort=amount]")
        page.wait_for_url(lambda url, sort=sort: f"sort={sort}&" in unquote(url) + "&")
        want = api(base_url, sales_key, f"/api/v1/deals?limit=500&{query}&sort={sort}")["items"]
        assert page.get_by_test_id("amount").all_inner_texts() == [
            formatting.money(d["amount"], "USD") for d in want
        ]
        checked = page.locator("details#stage input[name=stage]:checked")
        assert checked.evaluate_all("boxes => boxes.map(b => b.value)") == [stage]


def test_deal_drill_down_drivers_chart(
    page: Any, base_url: str, sales_key: str, artifacts: Path
) -> None:
    page.goto(base_url + "/deals")
    first = page.locator("table[data-testid=deals] tbody tr").first
    deal_id = first.get_attribute("data-deal")
    first.locator("a").first.click()
    page.wait_for_url(f"**/deals/{deal_id}")
    charts_rendered(page)
    explanation = api(base_url, sales_key, f"/api/v1/deals/{deal_id}/explanation")
    detail = api(base_url, sales_key, f"/api/v1/deals/{deal_id}")
    assert page.locator("[data-testid=drivers] li").all_inner_texts() == [
        d["sentence"] for d in explanation["drivers"]
    ]
    # the chart plotted the drivers' points (plus the other features' remainder)
    _, series = chart_series(page, "fig-drivers")
    plotted = next(iter(series.values()))
    points = [d["points"] for d in explanation["drivers"]]
    assert plotted[: len(points)] == pytest.approx(points, abs=0.005)
    bars = chart_marks(page, "fig-drivers")  # a bar per driver, its points in its tooltip
    assert len(bars) == len(plotted)
    assert [float(tip.rsplit(": ", 1)[1].split()[0].replace("−", "-")) for tip in bars][
        : len(points)
    ] == pytest.approx(points, abs=0.05)
    assert page.get_by_test_id("suggested-action").inner_text() == detail["suggested_action"]
    assert page.get_by_test_id("win-probability").inner_text() == formatting.percent(
        detail["win_probability"]
    )
    for q in ("p10", "p50", "p90"):
        assert page.get_by_test_id(f"close-{q}").inner_text() == detail[f"close_{q}"]
    shoot(page, artifacts, "deal")


def test_forecast_fan_chart(page: Any, base_url: str, sales_key: str, artifacts: Path) -> None:
    page.goto(base_url + "/forecast")
    charts_rendered(page)
    fc = httpx.post(
        base_url + "/api/v1/forecast",
        json={"horizon": 13, "period": "week"},
        headers={"Authorization": f"Bearer {sales_key}"},
        timeout=30,
    ).json()
    _, series = chart_series(page, "fig-fan")
    assert series["P50"] == pytest.approx([float(p["p50"]) for p in fc["periods"]], abs=0.005)
    assert series["P10–P90"] == pytest.approx([float(p["p10"]) for p in fc["periods"]], abs=0.005)
    # the band between P10 and P90 is one shaded area, P50 a marker per period
    band = "() => document.querySelectorAll('[data-figure=fig-fan] path[d$=\"Z\"]').length"
    assert page.evaluate(band) == 1
    p50 = [t for t in chart_marks(page, "fig-fan") if " · P50: " in t]
    assert len(p50) == len(fc["periods"])
    assert series["stage-weighted baseline"] == pytest.approx(
        [float(p["baseline"]) for p in fc["periods"]], abs=0.005
    )
    assert page.get_by_test_id("total-p50").inner_text() == formatting.money(fc["total_p50"], "USD")
    shoot(page, artifacts, "forecast")
    # the form: 6 calendar months
    page.fill("#horizon", "6")
    page.select_option("#period", "month")
    page.click("form[aria-label='Forecast horizon'] button")
    page.wait_for_url("**/forecast?horizon=6&period=month")
    charts_rendered(page)
    assert page.locator("[data-testid=forecast] tbody tr").count() == 6
    # the preset links: the horizons computed when the build is published
    presets = page.get_by_test_id("forecast-presets")
    assert "6 months" in presets.locator("strong").inner_text()  # the current one
    presets.get_by_role("link", name="26 weeks").click()
    page.wait_for_url("**/forecast?horizon=26&period=week")
    charts_rendered(page)
    assert page.locator("[data-testid=forecast] tbody tr").count() == 26


def test_model_report(
    page: Any,
    base_url: str,
    served: ServedWorkspace,
    backtest_report: Path,
    artifacts: Path,
) -> None:
    import csv
    import json

    page.goto(base_url + "/models")
    charts_rendered(page)
    models = served.workspace.tenant_dir(TENANT) / "models" / "win"
    version = (models / "LATEST").read_text(encoding="utf-8").strip()
    evaluation = json.loads((models / version / "evaluation.json").read_text(encoding="utf-8"))
    assert version in page.get_by_test_id("model-version").inner_text()
    table = page.locator("[data-testid=metrics-test_snapshots]")
    for name in ("model", "stage_rates", "base_rate"):
        metrics = evaluation["test_snapshots"][name]
        row = table.locator(f"tr[data-model={name}]")
        assert row.get_by_test_id("brier").inner_text() == f"{metrics['brier']:.4f}"
        assert row.get_by_test_id("auc").inner_text() == f"{metrics['roc_auc']:.3f}"
    width = page.evaluate("() => document.querySelector('[data-testid=reliability]').naturalWidth")
    assert width > 100, "the reliability diagram did not load"
    with backtest_report.open(encoding="utf-8") as handle:
        cutoffs = [row["cutoff"] for row in csv.DictReader(handle)]
    shown = page.locator("[data-testid=backtest] tbody tr td:first-child").all_inner_texts()
    assert shown == cutoffs and cutoffs
    assert page.locator("[data-figure=fig-backtest]").count() == 1
    shoot(page, artifacts, "model-report")


def test_phone_layout(page: Any, base_url: str, sales_key: str) -> None:
    deal = api(base_url, sales_key, "/api/v1/deals?limit=1")["items"][0]["id"]
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        for path in ("/deals", f"/deals/{deal}", "/forecast", "/models"):
            page.goto(base_url + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390 + 1, f"{path} scrolls sideways on a phone ({width}px)"
    finally:
        page.set_viewport_size({"width": 1366, "height": 900})


def test_risk_table_fits_its_card_on_a_laptop(page: Any, base_url: str) -> None:
    """At 1440 px every column (risk, close range, top driver) is visible without
    scrolling the table sideways; the header menu is one line on a phone."""
    page.set_viewport_size({"width": 1440, "height": 900})
    try:
        page.goto(base_url + "/deals")
        box = page.locator("div.scroll.card").first
        overflow = box.evaluate("el => el.scrollWidth - el.clientWidth")
        assert overflow <= 1, f"the deal table is {overflow}px wider than its card"
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(base_url + "/deals")
        links = page.locator("header.top nav a")
        tops = links.evaluate_all("els => els.map(e => Math.round(e.getBoundingClientRect().top))")
        assert len(set(tops)) == 1, f"the menu wraps on a phone: rows at {sorted(set(tops))}"
    finally:
        page.set_viewport_size({"width": 1366, "height": 900})


def test_marketing_sees_none_of_it(
    browser_context: Any, base_url: str, served: ServedWorkspace
) -> None:
    tab = browser_context.new_page()
    try:
        log_in(tab, base_url, served.key(role="marketing"), "/growth")
        nav = tab.locator("header nav a").all_inner_texts()
        assert not {"Deals", "Forecast", "Models"} & set(nav), nav
        for path in ("/deals", "/forecast", "/models"):
            response = tab.goto(base_url + path)
            assert response is not None and response.status == 403, path
            assert "may not see 'pipeline'" in tab.locator(".problem").inner_text()
        log_in(tab, base_url, served.key(role="sales"), "/deals")
        sales_nav = tab.locator("header nav a").all_inner_texts()
        assert {"Deals", "Forecast", "Models"} <= set(sales_nav), sales_nav
    finally:
        tab.context.clear_cookies()
        tab.close()
