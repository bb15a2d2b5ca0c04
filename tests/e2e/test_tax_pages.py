"""The tax page in a real browser: numbers equal /api/v1/tax, the chart renders, and only
finance and admin may open it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from revlake.web import formatting
from tests.e2e.browser import api, charts_rendered, logged_in_tab
from tests.serving_support import ServedWorkspace

RANGE = "from=2024-01&to=2025-12"


@pytest.fixture(scope="module")
def finance_page(browser_context: Any, base_url: str, finance_key: str) -> Iterator[Any]:
    """A tab logged in with the demo tenant's finance key."""
    yield from logged_in_tab(browser_context, base_url, finance_key, "/finance/tax")


def test_tax_page_equals_the_api(
    finance_page: Any, base_url: str, served: ServedWorkspace, artifacts: Path
) -> None:
    key = served.key(role="finance")
    report = api(base_url, key, f"/api/v1/tax/report?{RANGE}")
    discrepancies = api(base_url, key, "/api/v1/tax/discrepancies?limit=1")
    tab = finance_page
    tab.goto(f"{base_url}/finance/tax?{RANGE}")
    charts_rendered(tab)
    assert tab.locator(".rl-chart[role=img]").count() == 1
    currency = report["reporting_currency"]
    assert tab.get_by_test_id("tax-total-rc").inner_text() == formatting.money(
        float(report["tax_charged_rc"]), currency, decimals=2
    )
    assert tab.get_by_test_id("reverse-total-rc").inner_text() == formatting.money(
        float(report["reverse_charged_net_rc"]), currency, decimals=2
    )
    for total in report["totals"]:
        shown = tab.get_by_test_id(f"tax-{total['currency']}").inner_text()
        assert shown == formatting.money(float(total["tax_charged"]), total["currency"], decimals=2)
    rows = tab.get_by_test_id("tax-report").locator("tbody tr").count()
    assert rows == len(report["rows"]) > 0
    assert tab.get_by_test_id("discrepancy-count").inner_text() == formatting.count(
        discrepancies["total"]
    )
    assert tab.get_by_role("link", name="Tax").count() == 1
    tab.goto(base_url + "/finance/tax")  # the default range: the latest 12 months
    charts_rendered(tab)
    tab.screenshot(path=str(artifacts / "tax.png"))  # the cards and the chart


def test_jurisdiction_filter(finance_page: Any, base_url: str, served: ServedWorkspace) -> None:
    report = api(
        base_url, served.key(role="finance"), f"/api/v1/tax/report?{RANGE}&jurisdiction=GB"
    )
    finance_page.goto(f"{base_url}/finance/tax?{RANGE}&jurisdiction=gb")
    cells = finance_page.get_by_test_id("tax-report").locator("tbody tr td:nth-child(2)")
    assert set(cells.all_inner_texts()) == {"GB"}
    assert cells.count() == len(report["rows"])


def test_bad_filter_is_a_clear_error(base_url: str, served: ServedWorkspace) -> None:
    with httpx.Client(base_url=base_url, follow_redirects=False, timeout=60) as client:
        client.post("/login", data={"api_key": served.key(role="finance"), "next": "/"})
        response = client.get("/finance/tax?jurisdiction=Germany")
        assert response.status_code == 400
        assert "Germany" in response.text


@pytest.mark.parametrize("role", ["sales", "marketing"])
def test_other_roles_get_403_and_no_link(base_url: str, served: ServedWorkspace, role: str) -> None:
    with httpx.Client(base_url=base_url, follow_redirects=False, timeout=60) as client:
        login = client.post("/login", data={"api_key": served.key(role=role), "next": "/"})
        assert login.status_code == 303
        assert client.get("/finance/tax").status_code == 403
        home = client.get("/customers" if role == "sales" else "/growth")
        assert home.status_code == 200
        assert 'href="/finance/tax"' not in home.text
