"""The dashboard in a real browser: log in, visit every page, compare the numbers shown
with the API's, check charts are drawn by the server, save screenshots."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from revlake.web import formatting
from tests.e2e.browser import api, charts_rendered, shoot
from tests.serving_support import ServedWorkspace

PAGES = ("/", "/growth", "/retention", "/customers", "/data-health", "/insights")


@pytest.fixture(scope="module")
def page(browser_context: Any, base_url: str, served: ServedWorkspace) -> Any:
    """A logged-in page; records every request so we can prove nothing left loopback."""
    tab = browser_context.new_page()
    tab.requests_seen = []
    tab.on("request", lambda request: tab.requests_seen.append(request.url))
    tab.goto(base_url + "/")
    assert "/login" in tab.url  # not logged in yet: redirected
    tab.fill("#api_key", "rvl_000000000000_wrong")
    tab.click("button[type=submit]")
    assert tab.locator("[role=alert]").inner_text() == "That API key is not valid."
    tab.fill("#api_key", served.key())
    tab.click("button[type=submit]")
    tab.wait_for_url(base_url + "/")
    yield tab
    tab.close()


def test_overview_numbers_equal_the_api(
    page: Any, base_url: str, served: ServedWorkspace, artifacts: Path
) -> None:
    kpis = api(base_url, served.key(), "/api/v1/kpis")
    page.goto(base_url + "/")
    charts_rendered(page)
    for kpi in kpis["kpis"]:
        shown = page.get_by_test_id(f"kpi-{kpi['key']}").inner_text()
        assert shown == formatting.kpi_value(kpi["unit"], kpi["key"], kpi["value"], "USD")
        delta = page.get_by_test_id(f"delta-{kpi['key']}").inner_text()
        assert delta == formatting.kpi_delta(
            kpi["unit"], kpi["change"], kpi["change_pct"], "USD", kpi["key"]
        )
    # the synthetic company's CAC counts ad spend only: LTV:CAC and payback are flagged,
    # their changes not coloured as good news
    value = {k["key"]: k["value"] for k in kpis["kpis"]}
    ratio = Decimal(value["ltv"]) / Decimal(value["cac"])
    implausible = ratio > 20 or value["payback"] < 1
    for key in ("cac", "ltv", "payback"):
        assert page.get_by_test_id(f"warning-{key}").count() == int(implausible)
        if implausible:
            assert "up" not in (page.get_by_test_id(f"delta-{key}").get_attribute("class") or "")
    movements = api(base_url, served.key(), "/api/v1/mrr/movements?sort=-month&limit=12")
    shown_net = page.get_by_test_id("net-new").all_inner_texts()
    assert shown_net == [formatting.money(m["net_new"], "USD") for m in movements["items"]]
    shoot(page, artifacts, "overview")


def test_growth_numbers_equal_the_api(
    page: Any, base_url: str, served: ServedWorkspace, artifacts: Path
) -> None:
    page.goto(base_url + "/growth")
    charts_rendered(page)
    month = page.locator("h1").inner_text().split("·")[1].strip()
    chosen = next(
        c["month"][:7]
        for c in api(base_url, served.key(), "/api/v1/channels?sort=-month&limit=500")["items"]
        if Decimal(c["spend"]) > 0
    )
    assert formatting.month(__import__("datetime").date.fromisoformat(chosen + "-01")) == month
    funnel = api(base_url, served.key(), f"/api/v1/funnel?from={chosen}&to={chosen}")
    for i, stage in enumerate(funnel["stages"]):
        assert page.get_by_test_id(f"stage-{i}").inner_text() == formatting.count(stage["count"])
    channels = api(
        base_url, served.key(), f"/api/v1/channels?from={chosen}&to={chosen}&sort=-spend,channel"
    )["items"]
    assert page.get_by_test_id("spend").all_inner_texts() == [
        formatting.money(c["spend"], "USD") for c in channels
    ]
    shoot(page, artifacts, "growth")


def test_retention_heatmap(
    page: Any, base_url: str, served: ServedWorkspace, artifacts: Path
) -> None:
    cohorts = api(base_url, served.key(), "/api/v1/cohorts")
    page.goto(base_url + "/retention")
    charts_rendered(page)
    rows = page.locator("[data-testid=cohorts] tbody tr")
    assert rows.count() == len({c["cohort_month"] for c in cohorts["cells"]})
    first = cohorts["cells"][0]
    assert rows.nth(0).locator("td").nth(2).inner_text() == formatting.percent(
        first["logo_retention"], decimals=0
    )
    shoot(page, artifacts, "retention")


def test_customers_search_and_history(
    page: Any, base_url: str, served: ServedWorkspace, artifacts: Path
) -> None:
    top = api(base_url, served.key(), "/api/v1/customers?status=paying&sort=-mrr&limit=1")
    customer = top["items"][0]
    page.goto(base_url + "/customers")
    page.fill("#q", customer["name"])
    page.click("form[role=search] button")
    row = page.locator(f"tr[data-customer='{customer['customer_id']}']")
    assert row.get_by_test_id("mrr").inner_text() == formatting.money(customer["mrr"], "USD")
    shoot(page, artifacts, "customers")
    row.locator("a").click()
    page.wait_for_url(f"**/customers/{customer['customer_id']}")
    charts_rendered(page)
    detail = api(base_url, served.key(), f"/api/v1/customers/{customer['customer_id']}")
    assert page.get_by_test_id("customer-mrr").inner_text() == formatting.money(
        detail["customer"]["mrr"], "USD"
    )
    assert page.locator("[data-testid=history] tbody tr").count() == len(detail["mrr_history"])
    shoot(page, artifacts, "customer")


def test_data_health_equals_the_api(
    page: Any, base_url: str, served: ServedWorkspace, artifacts: Path
) -> None:
    runs = api(base_url, served.key(), "/api/v1/runs")
    page.goto(base_url + "/data-health")
    assert page.get_by_test_id("tests-passed").inner_text() == str(runs["tests"]["passed"])
    assert page.get_by_test_id("tests-failed").inner_text() == str(runs["tests"]["failed"])
    assert page.get_by_test_id("snapshot-name").inner_text() == runs["snapshot"]["snapshot"]
    assert page.get_by_test_id("rejects-total").inner_text() == formatting.count(
        runs["rejects"]["total"]
    )
    metrics = [line for line in runs["coverage"] if line["kind"] == "metric"]
    assert metrics, "the build has a coverage report"
    assert page.locator("[data-testid=coverage] tbody tr").count() == len(metrics)
    mrr_row = page.locator("[data-testid=coverage] tbody tr", has_text="fct_mrr").first
    assert "stripe" in mrr_row.inner_text()
    shoot(page, artifacts, "data-health")


def test_insights_equal_the_api(
    page: Any, base_url: str, served: ServedWorkspace, artifacts: Path
) -> None:
    insights = api(base_url, served.key(), "/api/v1/insights")
    page.goto(base_url + "/insights")
    shown = page.locator("[data-insight] > p[data-testid=insight-text]").all_inner_texts()
    assert shown == [i["text"] for i in insights["insights"]]
    assert len(shown) >= 3
    advice = page.locator("[data-insight] [data-testid=recommendation]").all_inner_texts()
    assert advice == [f"What to do: {i['recommendation']}" for i in insights["insights"]]
    warned = [i for i in insights["insights"] if i["data_warning"]]
    assert page.locator("[data-testid=data-warning]").count() == len(warned)
    shoot(page, artifacts, "insights")


def test_phone_layout_and_nothing_left_loopback(page: Any, base_url: str, artifacts: Path) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        for path in PAGES:
            page.goto(base_url + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390 + 1, f"{path} scrolls sideways on a phone ({width}px)"
        page.goto(base_url + "/")
        charts_rendered(page)
        shoot(page, artifacts, "overview-phone")
    finally:
        page.set_viewport_size({"width": 1366, "height": 900})
    outside = [url for url in page.requests_seen if not url.startswith(base_url)]
    assert not outside, f"requests left the server: {outside[:5]}"


def test_login_page_screenshot(browser_context: Any, base_url: str, artifacts: Path) -> None:
    tab = browser_context.new_page()
    try:
        tab.context.clear_cookies()
        tab.goto(base_url + "/login")
        shoot(tab, artifacts, "login")
    finally:
        tab.close()
