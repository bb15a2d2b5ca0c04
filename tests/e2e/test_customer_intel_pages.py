"""Customer-intelligence pages in a real browser with a finance key: the at-risk table and
its level filter, a customer's drivers chart and LTV panel, the cohort projection charts;
the numbers shown equal the API's. A marketing key may not see customers at risk and a
sales key may not see cohort projections. Screenshots go to test-artifacts/."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from revlake.web import formatting
from revlake.web.listing import DEFAULT_PAGE_SIZE
from tests.e2e.browser import api, charts_rendered, logged_in_tab, shoot
from tests.serving_support import ServedWorkspace


@pytest.fixture(scope="module")
def page(browser_context: Any, base_url: str, finance_key: str) -> Iterator[Any]:
    yield from logged_in_tab(browser_context, base_url, finance_key, "/customers/at-risk")


def shown_customers(tab: Any) -> list[str]:
    return list(
        tab.locator("table[data-testid=at-risk] tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.customer)"
        )
    )


def test_at_risk_table_and_level_filter(
    page: Any, base_url: str, finance_key: str, artifacts: Path
) -> None:
    everything = api(base_url, finance_key, "/api/v1/customers/at-risk?limit=500")
    page.goto(base_url + "/customers/at-risk")
    assert (
        shown_customers(page) == [c["customer_id"] for c in everything["items"]][:DEFAULT_PAGE_SIZE]
    )
    amounts = page.get_by_test_id("at-risk-mrr").all_inner_texts()
    assert (
        amounts
        == [formatting.money(c["mrr_at_risk"], "USD") for c in everything["items"]][
            :DEFAULT_PAGE_SIZE
        ]
    )
    assert page.get_by_test_id("total").inner_text() == f"{everything['total']} customers"
    shoot(page, artifacts, "customers-at-risk")

    level = Counter(c["risk_level"] for c in everything["items"]).most_common(1)[0][0]
    page.check(f"input[name=risk_level][value={level}]")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/customers/at-risk?**")
    expected = api(
        base_url,
        finance_key,
        f"/api/v1/customers/at-risk?risk_level={level}&limit={DEFAULT_PAGE_SIZE}",
    )
    assert shown_customers(page) == [c["customer_id"] for c in expected["items"]]
    assert set(page.get_by_test_id("level").all_inner_texts()) == {level}
    assert page.locator(f"input[name=risk_level][value={level}]").is_checked()


def test_customer_drill_down_shows_drivers_chart_and_ltv(
    page: Any, base_url: str, finance_key: str, artifacts: Path
) -> None:
    page.goto(base_url + "/customers/at-risk")
    first = shown_customers(page)[0]
    page.locator(f"tr[data-customer='{first}'] a").click()
    page.wait_for_url(f"**/customers/{first}/intelligence")
    charts_rendered(page)
    churn = api(base_url, finance_key, f"/api/v1/customers/{first}/churn")
    ltv = api(base_url, finance_key, f"/api/v1/customers/{first}/ltv")
    assert page.get_by_test_id("churn-probability").inner_text() == formatting.percent(
        churn["churn_probability"]
    )
    assert page.get_by_test_id("risk-level").inner_text() == churn["risk_level"]
    assert page.get_by_test_id("intervention").inner_text() == churn["intervention"]
    drivers = page.locator("[data-testid=drivers] li").all_inner_texts()
    assert drivers == [d["sentence"] for d in churn["drivers"]]
    # the drivers chart has one bar per driver
    bars = page.locator("[data-figure=fig-drivers] .bars .point").count()
    assert bars == len(churn["drivers"])
    assert page.get_by_test_id("ltv-value").inner_text() == formatting.money(ltv["ltv"], "USD")
    shoot(page, artifacts, "customer-intelligence")

    # the customer page links here (MRR history lives there)
    page.goto(base_url + f"/customers/{first}")
    page.get_by_test_id("intelligence-link").click()
    page.wait_for_url(f"**/customers/{first}/intelligence")


def test_projections_page_renders_fits_and_charts(
    page: Any, base_url: str, finance_key: str, artifacts: Path
) -> None:
    fits = api(base_url, finance_key, "/api/v1/retention/cohorts?periods_ahead=12")
    page.goto(base_url + "/retention/projections")
    charts_rendered(page)
    assert page.locator("[data-figure]").count() == 2
    alphas = page.locator("[data-testid=sbg-fits] [data-testid=alpha]").all_inner_texts()
    assert [a.split(" ± ")[0] for a in alphas] == [f"{g['alpha']:.4g}" for g in fits["groups"]]
    rows = page.locator("table[data-testid=cohort-projections] tbody tr").count()
    assert rows == len(fits["cohorts"])
    # one observed and one projected line per cohort, plus a legend entry per fit
    traces = page.locator("[data-figure=fig-projection-fan] .scatterlayer .trace").count()
    assert traces == 2 * len(fits["cohorts"]) + len(fits["groups"])
    shoot(page, artifacts, "retention-projections")

    page.select_option("#grouping", "segment")
    page.click("form.inline button[type=submit]")
    page.wait_for_url("**/retention/projections?**")
    charts_rendered(page)
    labels = page.locator("[data-testid=sbg-fits] tbody tr td:first-child").all_inner_texts()
    by_segment = api(base_url, finance_key, "/api/v1/retention/cohorts?grouping=segment")
    assert labels == [g["label"] for g in by_segment["groups"]]


def test_pages_fit_a_phone(page: Any, base_url: str, finance_key: str) -> None:
    first = api(base_url, finance_key, "/api/v1/customers/at-risk?limit=1")["items"][0]
    paths = [
        "/customers/at-risk",
        f"/customers/{first['customer_id']}/intelligence",
        "/retention/projections",
    ]
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        for path in paths:
            page.goto(base_url + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390 + 1, f"{path} scrolls sideways on a phone ({width}px)"
    finally:
        page.set_viewport_size({"width": 1366, "height": 900})


@pytest.mark.parametrize(
    ("role", "path", "area"),
    [
        ("marketing", "/customers/at-risk", "customers"),
        ("sales", "/retention/projections", "cohorts"),
    ],
)
def test_a_role_without_access_gets_403(
    role: str, path: str, area: str, browser_context: Any, base_url: str, served: ServedWorkspace
) -> None:
    tab = browser_context.new_page()
    try:
        tab.context.clear_cookies()
        tab.goto(base_url + path)
        tab.fill("#api_key", served.key(role=role))
        with tab.expect_response(lambda r: r.url.endswith(path)) as answer:
            tab.click("button[type=submit]")
        assert answer.value.status == 403
        assert f"may not see '{area}'" in tab.locator(".problem").inner_text()
        nav = (
            tab.locator("header nav a").all_inner_texts()
            if tab.locator("header nav").count()
            else []
        )
        assert "At risk" not in nav or role != "marketing"
    finally:
        tab.context.clear_cookies()
        tab.close()
