"""The Sales page in a real browser (Chromium through Playwright) on the shared datasets'
gold build served as tenant `erp`: the cards and tables show the API's figures, formatted
as everywhere on the dashboard, the cost basis is stated and switches, and the page fits
1440 px (screenshot in test-artifacts/sales.png)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from revlake.api import create_app
from revlake.web import formatting
from tests.conftest import REPO_ROOT
from tests.e2e.browser import api, serve_in_thread
from tests.transform.sales_serving import ErpServed

ARTIFACTS = REPO_ROOT / "test-artifacts"
RENDERED = (
    "() => [...document.querySelectorAll('[data-figure]')]"
    ".every(el => el.querySelectorAll('.rl-chart[role=img] rect').length > 0)"
)


@pytest.fixture(scope="module")
def erp_url(erp_served: ErpServed) -> Iterator[str]:
    yield from serve_in_thread(create_app(erp_served.workspace))


def test_sales_page_shows_the_api_figures(
    browser_context: Any, erp_url: str, erp_served: ErpServed
) -> None:
    key = erp_served.keys["admin"]
    summary = api(erp_url, key, "/api/v1/sales/summary")
    customers = api(erp_url, key, "/api/v1/sales/customers")
    rc = summary["currency"]
    tab = browser_context.new_page()
    tab.set_viewport_size({"width": 1440, "height": 900})
    try:
        tab.context.clear_cookies()
        tab.goto(erp_url + "/login?next=/sales")
        tab.fill("#api_key", key)
        tab.click("button[type=submit]")
        tab.wait_for_url(erp_url + "/sales")
        text = tab.get_by_test_id
        assert tab.locator("nav a[href='/sales']").count() == 1
        assert text("sales-revenue").inner_text() == formatting.money(
            summary["totals"]["revenue"], rc
        )
        assert text("sales-profit").inner_text() == formatting.money(
            summary["totals"]["profit"], rc
        )
        assert text("sales-profit-other").inner_text() == formatting.money(
            summary["profit_at_current_cost"], rc
        )
        assert "cost at order date" in text("sales-basis").inner_text()
        for table, rows in (
            ("sales-countries", summary["by_country"]),
            ("sales-categories", summary["by_category"]),
        ):
            for row in rows:
                cell = tab.locator(
                    f"table[data-testid={table}] tr[data-name='{row['name']}'] td[data-col=revenue]"
                )
                assert cell.inner_text() == formatting.money(row["revenue"], rc)
        for group in customers["age_groups_at_first_order"]:
            cell = tab.locator(
                f"table[data-testid=customers-age] tr[data-label='{group['label']}'] "
                "td[data-col=customers]"
            )
            assert cell.inner_text() == formatting.count(group["customers"])
        gender = next(g for g in customers["completeness"] if g["field"] == "gender")
        cell = tab.locator(
            "table[data-testid=customers-completeness] tr[data-field=gender] "
            "td[data-col=revenue-share]"
        )
        assert cell.inner_text() == formatting.percent(gender["revenue_share"], decimals=2)
        assert "top decile" in text("high-value-definition").inner_text()
        tab.wait_for_function(RENDERED, timeout=20_000)
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= 1440, f"the Sales page is {width}px wide at 1440 px"
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / "sales.png"), full_page=True)
        tab.set_viewport_size({"width": 390, "height": 844})
        tab.reload()  # as a phone loads it (charts are laid out at load)
        tab.wait_for_function(RENDERED, timeout=20_000)
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the Sales page is {width}px wide on a phone"
        tab.screenshot(path=str(ARTIFACTS / "sales-phone.png"), full_page=True)
        tab.set_viewport_size({"width": 1440, "height": 900})
        tab.reload()
        tab.select_option("#cost_basis", "current")
        tab.click("form.inline button[type=submit]")
        tab.wait_for_url("**cost_basis=current**")
        assert text("sales-profit").inner_text() == formatting.money(
            summary["profit_at_current_cost"], rc
        )
        assert "current cost" in text("sales-basis").inner_text()
        assert text("sales-profit-other").inner_text() == formatting.money(
            summary["profit_at_order_date"], rc
        )
    finally:
        tab.context.clear_cookies()
        tab.close()
