"""Payables and bank pages in a real browser with a finance key: the aging chart and
table equal /api/v1/ap/aging, the as-of form reloads the page for another date, and the
bank page's counts equal /api/v1/ap/bank/reconciliation. A sales key is refused both.
Screenshots go to test-artifacts/ like the other dashboard tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from revlake.web import formatting
from revlake.web.listing import DEFAULT_PAGE_SIZE
from tests.e2e.browser import api, charts_rendered, logged_in_tab, shoot
from tests.serving_support import ServedWorkspace


@pytest.fixture(scope="module")
def page(browser_context: Any, base_url: str, finance_key: str) -> Iterator[Any]:
    yield from logged_in_tab(browser_context, base_url, finance_key, "/finance/ap")


def test_ap_aging_page_equals_the_api(
    page: Any, base_url: str, finance_key: str, artifacts: Path
) -> None:
    aging = api(base_url, finance_key, "/api/v1/ap/aging")
    page.goto(base_url + "/finance/ap")
    charts_rendered(page)
    assert page.get_by_role("link", name="Payables").count() == 1
    assert page.get_by_role("link", name="Bank").count() == 1
    assert page.get_by_test_id("ap-total").inner_text() == formatting.money(
        float(aging["total_open"]), aging["currency"], decimals=2
    )
    for bucket in aging["buckets"]:
        cell = page.locator(
            f"table[data-testid=ap-aging] tfoot th[data-bucket='{bucket['bucket']}']"
        )
        assert cell.inner_text() == formatting.money(
            float(bucket["amount"]), aging["currency"], decimals=2
        )
    vendors = page.locator("table[data-testid=ap-aging] tbody tr").count()
    assert vendors == max(1, len(aging["vendors"]))
    shoot(page, artifacts, "ap-aging")

    # another date through the form
    page.fill("input[name=as_of]", "2023-06-30")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/finance/ap?as_of=2023-06-30")
    past = api(base_url, finance_key, "/api/v1/ap/aging?as_of=2023-06-30")
    assert page.get_by_test_id("ap-total").inner_text() == formatting.money(
        float(past["total_open"]), past["currency"], decimals=2
    )
    bills = page.locator("table[data-testid=ap-bills] tbody tr").count()
    assert bills == max(1, min(DEFAULT_PAGE_SIZE, past["open_bills"]))  # one page


def test_bank_page_counts_equal_the_api(
    page: Any, base_url: str, finance_key: str, artifacts: Path
) -> None:
    result = api(base_url, finance_key, "/api/v1/ap/bank/reconciliation")
    page.goto(base_url + "/finance/bank")
    counts = result["counts"]
    assert page.get_by_test_id("bank-matched").inner_text() == formatting.count(counts["matched"])
    assert page.get_by_test_id("bank-ambiguous").inner_text() == formatting.count(
        counts["ambiguous"]
    )
    assert page.get_by_test_id("bank-unmatched-lines").inner_text() == formatting.count(
        counts["unmatched_bank_lines"]
    )
    rows = page.locator("table[data-testid=bank-unmatched-table] tbody tr").count()
    assert rows == min(DEFAULT_PAGE_SIZE, max(1, counts["unmatched_bank_lines"]))
    shoot(page, artifacts, "bank-reconciliation")


def test_sales_key_is_refused(base_url: str, served: ServedWorkspace) -> None:
    with httpx.Client(base_url=base_url, follow_redirects=False, timeout=30) as browser:
        login = browser.post("/login", data={"api_key": served.key(role="sales"), "next": "/"})
        assert login.status_code == 303
        for path in ("/finance/ap", "/finance/bank"):
            assert browser.get(path).status_code == 403, path
        home = browser.get("/")
        assert home.status_code == 200
        assert 'href="/finance/ap"' not in home.text and 'href="/finance/bank"' not in home.text
