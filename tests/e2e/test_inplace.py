"""In-place updates in a real browser (static/inplace.js): a filter, a sort heading, a
page link, the risk sliders, the forecast horizon and the MRR trend's date range each
change the page's content and its address without loading a new document; KPI cards
carry labelled sparklines. The numbers shown are the API's.

"Without a navigation" is proven with a marker on `window`: a new document would not
have it. Screenshots at 1440 px go to test-artifacts/ like the other dashboard tests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from revlake.web import formatting
from tests.e2e.browser import api, chart_series, charts_rendered, log_in, logged_in_tab, shoot
from tests.serving_support import ServedWorkspace

ROWS = "table[data-testid=deals] tbody tr"


@pytest.fixture(scope="module")
def tab(browser_context: Any, base_url: str, sales_key: str) -> Iterator[Any]:
    yield from logged_in_tab(browser_context, base_url, sales_key, "/deals")


def mark(tab: Any) -> int:
    """Set a marker on the current document; returns the in-place update count so far."""
    tab.evaluate("() => { window.__marker = 'still here'; }")
    return int(tab.evaluate("() => window.revlakeInplace.state.updates"))


def updated_in_place(tab: Any, before: int, query: dict[str, list[str]]) -> None:
    """Wait until an in-place update has landed and the address shows `query`; the marker
    proves no new document was loaded."""
    tab.wait_for_function(f"() => window.revlakeInplace.state.updates > {before}")
    tab.wait_for_function("() => !document.querySelector('main[aria-busy]')")
    assert tab.evaluate("() => window.__marker") == "still here"
    shown = parse_qs(urlsplit(tab.url).query)
    for name, values in query.items():
        assert shown.get(name) == values, (name, tab.url)


def deal_ids(tab: Any) -> list[str]:
    return list(tab.locator(ROWS).evaluate_all("rows => rows.map(r => r.dataset.deal)"))


def test_filter_sort_and_page_update_in_place(
    tab: Any, base_url: str, sales_key: str, artifacts: Path
) -> None:
    tab.set_viewport_size({"width": 1440, "height": 900})
    tab.goto(base_url + "/deals")
    everything = api(base_url, sales_key, "/api/v1/deals?limit=500")["items"]
    stage = everything[0]["stage"]

    # a checkbox in the stage picker: the change alone updates the table; the picker stays open
    before = mark(tab)
    tab.click("details#stage summary")
    tab.check(f"details#stage input[name=stage][value='{stage}']")
    updated_in_place(tab, before, {"stage": [stage]})
    expected = api(base_url, sales_key, f"/api/v1/deals?limit=500&stage={stage}")
    assert tab.get_by_test_id("total").inner_text() == f"{expected['total']:,} deals"
    # screen readers hear the update: the live region outside <main> names page and count
    status = tab.get_by_test_id("inplace-status")
    assert status.get_attribute("role") == "status"
    heading = tab.locator("main h1").inner_text().strip()
    assert status.inner_text() == f"{heading} updated: {expected['total']:,} deals"
    assert deal_ids(tab) == [d["id"] for d in expected["items"]][:25]
    assert tab.locator("details#stage").get_attribute("open") is not None
    assert tab.locator("details#stage input:checked").count() == 1
    summary = api(base_url, sales_key, f"/api/v1/deals/summary?stage={stage}")
    assert tab.get_by_test_id("at-risk").inner_text() == formatting.money(
        summary["at_risk_amount"], "USD"
    )
    tab.click("details#stage summary")

    # a sort heading, keeping the filter
    before = mark(tab)
    tab.click("th a[data-sort=amount]")
    updated_in_place(tab, before, {"stage": [stage], "sort": ["-amount"]})
    want = api(base_url, sales_key, f"/api/v1/deals?limit=25&stage={stage}&sort=-amount")
    assert tab.get_by_test_id("amount").all_inner_texts() == [
        formatting.money(d["amount"], "USD") for d in want["items"]
    ]
    shoot(tab, artifacts, "inplace-deals-sorted")

    # the next page of all open deals, by the default sort
    tab.goto(base_url + "/deals")
    before = mark(tab)
    tab.get_by_role("link", name="Next →").click()
    updated_in_place(tab, before, {"page": ["2"]})
    second = api(base_url, sales_key, "/api/v1/deals?limit=25&offset=25")["items"]
    assert deal_ids(tab) == [d["id"] for d in second]

    # back: the first page again, still in place
    before = mark(tab)
    tab.go_back()
    tab.wait_for_function(f"() => window.revlakeInplace.state.updates > {before}")
    assert tab.evaluate("() => window.__marker") == "still here"
    assert deal_ids(tab) == [d["id"] for d in everything[:25]]


def set_slider(tab: Any, selector: str, value: int) -> None:
    """Move a range slider as a drag does: its value, then input and change events."""
    tab.locator(selector).evaluate(
        "(el, v) => { el.value = String(v);"
        " el.dispatchEvent(new Event('input', {bubbles: true}));"
        " el.dispatchEvent(new Event('change', {bubbles: true})); }",
        value,
    )


def test_risk_slider_filters_by_risk(
    tab: Any, base_url: str, sales_key: str, artifacts: Path
) -> None:
    tab.set_viewport_size({"width": 1440, "height": 900})
    tab.goto(base_url + "/deals")
    slider = tab.locator("#risk_min")
    assert slider.get_attribute("type") == "range"
    assert tab.get_by_test_id("risk-min-value").inner_text() == "0"

    before = mark(tab)
    set_slider(tab, "#risk_min", 40)
    updated_in_place(tab, before, {"risk_min": ["40"]})
    assert "risk_max" not in tab.url  # the upper slider at its end is no bound
    expected = api(base_url, sales_key, "/api/v1/deals?limit=500&risk_min=40")
    everything = api(base_url, sales_key, "/api/v1/deals?limit=500")
    assert 0 < expected["total"] < everything["total"]
    assert tab.get_by_test_id("total").inner_text() == f"{expected['total']:,} deals"
    scores = [float(t.split()[0]) for t in tab.get_by_test_id("risk").all_inner_texts()]
    assert scores and min(scores) >= 40
    assert tab.get_by_test_id("risk-min-value").inner_text() == "40"
    # the new content keeps the page's styles (inplace.css): the slider box has no border
    border = tab.locator("fieldset.risk-range").evaluate("el => getComputedStyle(el).borderStyle")
    assert border == "none"

    # the upper slider too; it cannot go below the lower one
    before = mark(tab)
    set_slider(tab, "#risk_max", 60)
    updated_in_place(tab, before, {"risk_min": ["40"], "risk_max": ["60"]})
    band = api(base_url, sales_key, "/api/v1/deals?limit=500&risk_min=40&risk_max=60")
    assert tab.get_by_test_id("total").inner_text() == f"{band['total']:,} deals"
    scores = [float(t.split()[0]) for t in tab.get_by_test_id("risk").all_inner_texts()]
    assert all(40 <= s <= 60 for s in scores)
    tab.locator("#risk_min").evaluate(
        "el => { el.value = '80'; el.dispatchEvent(new Event('input', {bubbles: true})); }"
    )
    assert tab.locator("#risk_max").input_value() == "80"
    shoot(tab, artifacts, "inplace-deals-risk-slider")


def test_forecast_horizon_updates_in_place(tab: Any, base_url: str, artifacts: Path) -> None:
    tab.set_viewport_size({"width": 1440, "height": 900})
    tab.goto(base_url + "/forecast")
    charts_rendered(tab)
    before = mark(tab)
    tab.get_by_test_id("forecast-presets").get_by_role("link", name="26 weeks").click()
    updated_in_place(tab, before, {"horizon": ["26"], "period": ["week"]})
    charts_rendered(tab)
    assert tab.locator("[data-testid=forecast] tbody tr").count() == 26
    assert tab.locator("#horizon").input_value() == "26"

    # the form: a changed period applies at once, the horizon with Enter
    before = mark(tab)
    tab.fill("#horizon", "8")
    tab.press("#horizon", "Enter")
    updated_in_place(tab, before, {"horizon": ["8"], "period": ["week"]})
    charts_rendered(tab)
    assert tab.locator("[data-testid=forecast] tbody tr").count() == 8
    periods, series = chart_series(tab, "fig-fan")
    assert len(periods) == 8 and len(series["P50"]) == 8
    shoot(tab, artifacts, "inplace-forecast")


@pytest.fixture(scope="module")
def overview(browser_context: Any, base_url: str, served: ServedWorkspace) -> Iterator[Any]:
    yield from logged_in_tab(browser_context, base_url, served.key(), "/")


def test_date_range_narrows_the_mrr_trend(
    overview: Any, base_url: str, served: ServedWorkspace, artifacts: Path
) -> None:
    tab = overview
    tab.set_viewport_size({"width": 1440, "height": 900})
    tab.goto(base_url + "/")
    charts_rendered(tab)
    every_month, _ = chart_series(tab, "fig-trend")
    assert len(every_month) >= 12
    start, end = every_month[-12], every_month[-7]  # six months, as ISO dates
    drawn = "id => document.querySelector(`[data-figure=${id}]`).innerHTML"
    trend_before = tab.evaluate(drawn, "fig-trend")
    bridge_before = tab.evaluate(drawn, "fig-waterfall")
    before = mark(tab)
    tab.fill("#trend-from", start[:10])
    tab.fill("#trend-to", end[:10])
    tab.wait_for_function(
        "() => location.search.includes('from=') && location.search.includes('to=')"
        " && !document.querySelector('main[aria-busy]')"
    )
    updated_in_place(tab, before, {"from": [start[:10]], "to": [end[:10]]})
    charts_rendered(tab)
    shown, _ = chart_series(tab, "fig-trend")
    assert shown == every_month[-12:-6]
    # the trend is drawn anew over the six months; the bridge (the latest month) is unchanged
    assert tab.evaluate(drawn, "fig-trend") != trend_before
    assert tab.evaluate(drawn, "fig-waterfall") == bridge_before
    assert tab.get_by_test_id("trend-range").inner_text().startswith("6 months")
    # the KPI cards did not move: the range narrows the trend only
    kpis = api(base_url, served.key(), "/api/v1/kpis")
    mrr = next(k for k in kpis["kpis"] if k["key"] == "mrr")
    assert tab.get_by_test_id("kpi-mrr").inner_text() == formatting.kpi_value(
        "money", "mrr", mrr["value"], "USD"
    )
    shoot(tab, artifacts, "inplace-overview-range")


def test_kpi_cards_have_labelled_sparklines(
    overview: Any, base_url: str, served: ServedWorkspace
) -> None:
    tab = overview
    tab.goto(base_url + "/")
    kpis = api(base_url, served.key(), "/api/v1/kpis")
    for kpi in kpis["kpis"]:
        trend = [v for v in kpi["trend"] if v is not None]
        spark = tab.get_by_test_id(f"spark-{kpi['key']}").locator("svg.spark")
        if len(trend) < 2:
            assert spark.count() == 0
            continue
        label = spark.get_attribute("aria-label") or ""
        first = formatting.kpi_value(kpi["unit"], kpi["key"], float(trend[0]), "USD")
        last = formatting.kpi_value(kpi["unit"], kpi["key"], float(trend[-1]), "USD")
        assert label == f"{kpi['label']}, last {len(kpi['trend'])} months: {first} to {last}"
        assert spark.get_attribute("role") == "img"
        assert int(spark.get_attribute("data-points") or 0) == len(trend)
        box = spark.bounding_box()
        assert box is not None and box["width"] > 50 and box["height"] > 10


def test_growth_date_range_updates_in_place(
    overview: Any, base_url: str, served: ServedWorkspace, artifacts: Path
) -> None:
    tab = overview
    tab.set_viewport_size({"width": 1440, "height": 900})
    tab.goto(base_url + "/growth")
    charts_rendered(tab)
    channels = api(base_url, served.key(), "/api/v1/channels?limit=500")["items"]
    months = sorted({c["month"][:7] for c in channels})
    start, end = months[-4], months[-2]
    before = mark(tab)
    tab.fill("#growth-from", f"{start}-01")
    tab.fill("#growth-to", f"{end}-28")
    tab.wait_for_function(
        "() => location.search.includes('from=') && location.search.includes('to=')"
        " && !document.querySelector('main[aria-busy]')"
    )
    updated_in_place(tab, before, {"from": [f"{start}-01"], "to": [f"{end}-28"]})
    charts_rendered(tab)
    funnel = api(base_url, served.key(), f"/api/v1/funnel?from={start}&to={end}")
    for i, stage in enumerate(funnel["stages"]):
        assert tab.get_by_test_id(f"stage-{i}").inner_text() == formatting.count(stage["count"])
    first, last = (dt.date.fromisoformat(m + "-01") for m in (start, end))
    assert tab.get_by_test_id("growth-range").inner_text() == (
        f"{formatting.month(first)} – {formatting.month(last)}"
    )
    shown = tab.locator("table[data-testid=channels] tbody tr td:first-child").all_inner_texts()
    allowed = {formatting.month(dt.date.fromisoformat(m + "-01")) for m in months[-4:-1]}
    assert shown and set(shown) <= allowed
    shoot(tab, artifacts, "inplace-growth-range")


def test_an_account_typed_and_entered_becomes_a_chip_in_place(
    tab: Any, base_url: str, sales_key: str
) -> None:
    tab.goto(base_url + "/deals")
    account = api(base_url, sales_key, "/api/v1/deals?limit=1")["items"][0]["account"]
    before = mark(tab)
    tab.fill("#account", account)
    tab.press("#account", "Enter")
    updated_in_place(tab, before, {"account": [account]})
    chips = [" ".join(t.split()) for t in tab.get_by_test_id("account-chip").all_inner_texts()]
    assert chips == [f"{account} ×"]
    assert set(tab.get_by_test_id("account").all_inner_texts()) == {account}
    assert tab.evaluate("() => document.activeElement.id") == "account"  # ready for another
    # the chip's × removes it, in place too
    before = mark(tab)
    tab.get_by_role("link", name=f"Remove account filter {account}").click()
    tab.wait_for_function(f"() => window.revlakeInplace.state.updates > {before}")
    assert tab.evaluate("() => window.__marker") == "still here"
    assert "account=" not in tab.url and tab.get_by_test_id("account-chip").count() == 0


def test_customers_filters_update_in_place(
    overview: Any, base_url: str, served: ServedWorkspace
) -> None:
    """The customers page's status select and search apply in place; "all" stays out of
    the address (data-omit)."""
    key = served.key()
    overview.goto(base_url + "/customers")
    before = mark(overview)
    overview.select_option("#status", "churned")
    updated_in_place(overview, before, {"status": ["churned"]})
    churned = api(base_url, key, "/api/v1/customers?status=churned&limit=1")
    assert overview.get_by_test_id("total").inner_text() == f"{churned['total']:,} customers"

    name = api(base_url, key, "/api/v1/customers?status=paying&sort=-mrr&limit=1")["items"][0]
    before = mark(overview)
    overview.fill("#q", name["name"])  # typed text waits for Enter or a change elsewhere
    overview.select_option("#status", "all")
    updated_in_place(overview, before, {"q": [name["name"]]})
    assert "status" not in parse_qs(urlsplit(overview.url).query)
    found = api(base_url, key, f"/api/v1/customers?q={quote(name['name'])}&limit=1")
    assert overview.get_by_test_id("total").inner_text() == f"{found['total']:,} customers"
    assert overview.locator(f"tr[data-customer='{name['customer_id']}']").count() == 1


def test_without_javascript_the_controls_are_plain_links_and_forms(
    browser_context: Any, base_url: str, sales_key: str
) -> None:
    """Scripts off (DevTools protocol): a sort heading and the filter form load whole pages
    that show the same sorted, filtered table."""
    page = browser_context.new_page()
    try:
        cdp = browser_context.new_cdp_session(page)
        cdp.send("Emulation.setScriptExecutionDisabled", {"value": True})
        log_in(page, base_url, sales_key, "/deals")
        page.click("th a[data-sort=amount]")
        page.wait_for_url("**/deals?sort=-amount")
        want = api(base_url, sales_key, "/api/v1/deals?limit=25&sort=-amount")["items"]
        assert page.get_by_test_id("amount").all_inner_texts() == [
            formatting.money(d["amount"], "USD") for d in want
        ]
        assert page.evaluate("() => typeof window.revlakeInplace") == "undefined"
        page.check("input[name=risk_category][value=high]")
        page.click("form[role=search] button[type=submit]")
        page.wait_for_url("**/deals?*risk_category=high*")
        # the sliders at their ends were sent and mean no bound
        assert "risk_min=0" in page.url and "risk_max=100" in page.url
        high = api(base_url, sales_key, "/api/v1/deals?limit=500&risk_category=high")
        assert page.get_by_test_id("total").inner_text() == f"{high['total']:,} deals"
    finally:
        page.context.clear_cookies()
        page.close()
