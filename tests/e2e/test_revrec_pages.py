"""The revenue recognition pages in a real browser: numbers equal /api/v1/revrec, the
charts render, a contract's schedule is shown per obligation, and only finance and admin
may open them."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from revlake.web import formatting
from tests.e2e.browser import api, charts_rendered, logged_in_tab
from tests.serving_support import ServedWorkspace

CONTRACT: dict[str, Any] = {
    "reference": "E2E-BUNDLE",
    "customer_name": "Browser Test AG",
    "currency": "EUR",
    "start": "2025-01-15",
    "end": "2026-01-15",
    "price": "100000",
    "obligations": [
        {
            "name": "license",
            "ssp": "60000",
            "pattern": "point_in_time",
            "satisfied_on": "2025-01-15",
        },
        {"name": "support", "ssp": "30000", "pattern": "ratable"},
        {
            "name": "implementation",
            "ssp": "30000",
            "pattern": "milestones",
            "milestones": [
                {"name": "design", "date": "2025-03-31", "percent": "40"},
                {"name": "go-live", "date": "2025-06-30", "percent": "60"},
            ],
        },
    ],
}


@pytest.fixture(scope="module")
def contract(base_url: str, served: ServedWorkspace) -> dict[str, Any]:
    """A bundle contract added through the API by the finance key (or the existing one)."""
    key = served.key(role="finance")
    headers = {"Authorization": f"Bearer {key}"}
    listed = api(base_url, key, "/api/v1/revrec/contracts")["items"]
    existing = [c for c in listed if c["reference"] == CONTRACT["reference"]]
    if existing:
        return dict(api(base_url, key, f"/api/v1/revrec/contracts/{existing[0]['id']}"))
    response = httpx.post(
        base_url + "/api/v1/revrec/contracts", json=CONTRACT, headers=headers, timeout=60
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.fixture(scope="module")
def finance_page(browser_context: Any, base_url: str, finance_key: str) -> Iterator[Any]:
    """A tab logged in with the demo tenant's finance key."""
    yield from logged_in_tab(browser_context, base_url, finance_key, "/finance/revrec")


def test_rollforward_page_equals_the_api(
    finance_page: Any,
    base_url: str,
    served: ServedWorkspace,
    contract: dict[str, Any],
    artifacts: Path,
) -> None:
    deferred = api(base_url, served.key(role="finance"), "/api/v1/revrec/deferred")
    tab = finance_page
    tab.goto(base_url + "/finance/revrec")
    charts_rendered(tab)
    assert tab.locator(".rl-chart[role=img]").count() == 1
    for total in deferred["totals"]:
        shown = tab.get_by_test_id(f"deferred-{total['currency']}").inner_text()
        assert shown == formatting.money(float(total["deferred"]), total["currency"], decimals=2)
    currencies = [t["currency"] for t in deferred["totals"]]
    biggest = max(deferred["totals"], key=lambda t: Decimal(t["deferred"]))["currency"]
    shown_currency = "USD" if "USD" in currencies else biggest  # the workspace reports in USD
    months = [m for m in deferred["rollforward"] if m["currency"] == shown_currency]
    rows = tab.get_by_test_id("revrec-rollforward").locator("tbody tr")
    assert rows.count() == len(months) > 0
    last = months[-1]
    assert tab.get_by_test_id(f"closing-{last['month']}").inner_text() == formatting.money(
        float(last["closing"]), shown_currency, decimals=2
    )
    assert tab.get_by_role("link", name="Revenue recognition").count() == 1
    link = tab.get_by_test_id("revrec-contracts").get_by_role("link", name=contract["reference"])
    assert link.count() == 1
    tab.screenshot(path=str(artifacts / "revrec.png"))
    tab.goto(f"{base_url}/finance/revrec?currency={biggest}")
    charts_rendered(tab)
    assert tab.locator("select[name=currency]").input_value() == biggest


def test_contract_page_shows_allocation_and_schedule(
    finance_page: Any, base_url: str, contract: dict[str, Any], artifacts: Path
) -> None:
    tab = finance_page
    tab.goto(f"{base_url}/finance/revrec/contracts/{contract['id']}")
    charts_rendered(tab)
    assert tab.locator(".rl-chart[role=img]").count() == 1
    allocation = tab.get_by_test_id("allocation-1")
    for line in contract["segments"][0]["allocation"]:
        row = allocation.locator(f"tr[data-obligation='{line['obligation']}'] td")
        assert row.nth(2).inner_text() == formatting.money(
            float(line["allocated"]), "EUR", decimals=2
        )
    assert [a["allocated"] for a in contract["segments"][0]["allocation"]] == [
        "50000.00",
        "25000.00",
        "25000.00",
    ]
    months = sorted({r["month"] for r in contract["schedule"]})
    table = tab.get_by_test_id("contract-schedule")
    assert table.locator("tbody tr").count() == len(months)
    march = table.locator("tr[data-month='2025-03'] td")
    implementation = [
        r["amount"]
        for r in contract["schedule"]
        if r["month"] == "2025-03" and r["obligation"] == "implementation"
    ]
    assert implementation == ["10000.00"]
    assert march.nth(3).inner_text() == formatting.money(10000.0, "EUR", decimals=2)
    assert tab.get_by_test_id("total-consideration").inner_text() == formatting.money(
        100000.0, "EUR", decimals=2
    )
    tab.screenshot(path=str(artifacts / "revrec_contract.png"))


def test_missing_contract_is_404(base_url: str, served: ServedWorkspace) -> None:
    with httpx.Client(base_url=base_url, follow_redirects=False, timeout=60) as client:
        client.post("/login", data={"api_key": served.key(role="finance"), "next": "/"})
        assert client.get("/finance/revrec/contracts/999999").status_code == 404
        bad = client.get("/finance/revrec?as_of=2025-03-15")
        assert bad.status_code == 400
        assert "month end" in bad.text


@pytest.mark.parametrize("role", ["sales", "marketing"])
def test_other_roles_get_403_and_no_link(base_url: str, served: ServedWorkspace, role: str) -> None:
    with httpx.Client(base_url=base_url, follow_redirects=False, timeout=60) as client:
        login = client.post("/login", data={"api_key": served.key(role=role), "next": "/"})
        assert login.status_code == 303
        assert client.get("/finance/revrec").status_code == 403
        assert client.get("/finance/revrec/contracts/1").status_code == 403
        home = client.get("/customers" if role == "sales" else "/growth")
        assert home.status_code == 200
        assert 'href="/finance/revrec"' not in home.text
