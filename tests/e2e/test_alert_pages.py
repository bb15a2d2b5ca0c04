"""The alerts page in a real browser with a sales key: the counts and the alerts shown
equal the API's, a deal alert links to the deal's page, the status tabs filter. A
marketing key may not see it. Screenshot goes to test-artifacts/alerts.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.alerts.company_support import served_alerts
from tests.alerts.receivers import http_receiver
from tests.e2e.browser import api, log_in, logged_in_tab, shoot
from tests.serving_support import TENANT, ServedWorkspace


@pytest.fixture(scope="module")
def page(
    browser_context: Any, base_url: str, sales_key: str, served: ServedWorkspace
) -> Iterator[Any]:
    with http_receiver() as hook:
        served_alerts(served.workspace, TENANT, hook.url)
    yield from logged_in_tab(browser_context, base_url, sales_key, "/alerts")


def shown_alerts(tab: Any) -> list[int]:
    return [
        int(v)
        for v in tab.locator("table[data-testid=alerts] tbody tr[data-alert]").evaluate_all(
            "rows => rows.map(r => r.dataset.alert)"
        )
    ]


def test_alerts_page_equals_the_api(
    page: Any, base_url: str, sales_key: str, artifacts: Path
) -> None:
    everything = api(base_url, sales_key, "/api/v1/alerts?limit=50")
    active = api(base_url, sales_key, "/api/v1/alerts?status=active&limit=1")
    page.goto(base_url + "/alerts")
    assert shown_alerts(page) == [a["id"] for a in everything["items"]]
    assert page.get_by_test_id("total").inner_text() == f"{everything['total']} alerts"
    assert page.get_by_test_id("active").inner_text() == str(active["total"])
    deliveries = api(base_url, sales_key, "/api/v1/alerts/deliveries?limit=20")
    shown = page.locator("table[data-testid=deliveries] tbody tr[data-delivery]").evaluate_all(
        "rows => rows.map(r => Number(r.dataset.delivery))"
    )
    assert shown == [d["id"] for d in deliveries["items"]]
    shoot(page, artifacts, "alerts")

    deal = next(a for a in everything["items"] if a["subject_type"] == "deal")
    page.locator(f"tr[data-alert='{deal['id']}'] a").click()
    page.wait_for_url(f"**/deals/{deal['subject_id']}")

    page.goto(base_url + "/alerts")
    page.get_by_role("link", name="Cleared").click()
    page.wait_for_url("**/alerts?status=cleared")
    cleared = api(base_url, sales_key, "/api/v1/alerts?status=cleared")
    assert shown_alerts(page) == [a["id"] for a in cleared["items"]]


def test_marketing_may_not_see_alerts(
    browser_context: Any, base_url: str, served: ServedWorkspace
) -> None:
    tab = browser_context.new_page()
    try:
        log_in(tab, base_url, served.key(role="marketing"), "/")
        assert tab.locator("header nav a[href='/alerts']").count() == 0
        response = tab.goto(base_url + "/alerts")
        assert response is not None and response.status == 403
    finally:
        tab.context.clear_cookies()
        tab.close()
