"""The CFO dashboard in a real browser: a finance key that logs in without asking for a
page lands on it (its persona home; a sales key lands on the deals), and every card and
table on it equals GET /api/v1/cfo, formatted as everywhere on the dashboard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from revlake.web import formatting
from tests.e2e.browser import api, shoot
from tests.serving_support import ServedWorkspace


def _log_in_at_home(tab: Any, base_url: str, key: str) -> None:
    tab.context.clear_cookies()
    tab.goto(base_url + "/login")
    tab.fill("#api_key", key)
    tab.click("button[type=submit]")
    tab.wait_for_load_state("networkidle")


def test_finance_lands_on_the_cfo_page_and_it_equals_the_api(
    browser_context: Any, base_url: str, finance_key: str, artifacts: Path
) -> None:
    tab = browser_context.new_page()
    try:
        _log_in_at_home(tab, base_url, finance_key)
        assert tab.url == base_url + "/finance/cfo"
        body = api(base_url, finance_key, "/api/v1/cfo")
        rc = body["currency"]
        revenue = body["revenue"]
        text = tab.get_by_test_id
        assert text("month").inner_text() == formatting.month(
            __import__("datetime").date.fromisoformat(body["month"])
        )
        assert text("cfo-mrr").inner_text() == formatting.money(revenue["mrr"]["value"], rc)
        assert text("cfo-arr").inner_text() == formatting.money(revenue["arr"]["value"], rc)
        assert text("cfo-mrr-yoy").inner_text() == formatting.change_percent(
            revenue["mrr"]["yoy_pct"], "YoY"
        )
        assert text("cfo-nrr").inner_text() == formatting.percent(revenue["nrr_12m"])
        assert text("cfo-ar-total").inner_text() == formatting.money(
            body["receivables"]["total"], rc
        )
        assert text("cfo-deferred-total").inner_text() == formatting.money(
            body["deferred"]["total"], rc
        )
        assert text("cfo-at-risk").inner_text() == formatting.count(body["at_risk"]["customers"])
        assert "20%" in text("cfo-at-risk-definition").inner_text()
        segments = tab.locator("table[data-testid=cfo-segments] tbody tr")
        assert segments.count() == len(revenue["by_segment"])
        for key, value in body["receivables"]["buckets"].items():
            cell = tab.locator(f"table[data-testid=cfo-aging] td[data-bucket='{key}']")
            assert cell.inner_text() == formatting.money(value, rc)
        shoot(tab, artifacts, "cfo")
        tab.set_viewport_size({"width": 390, "height": 844})
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the CFO page is {width}px wide on a phone"
        shoot(tab, artifacts, "cfo-phone")
        tab.set_viewport_size({"width": 1440, "height": 900})
    finally:
        tab.context.clear_cookies()
        tab.close()


def test_each_persona_lands_on_its_home(
    browser_context: Any, base_url: str, served: ServedWorkspace
) -> None:
    tab = browser_context.new_page()
    try:
        for role, home in (("sales", "/deals"), ("marketing", "/growth"), ("admin", "/")):
            _log_in_at_home(tab, base_url, served.key(role=role))
            assert tab.url == base_url + home, role
        # a login that asked for a page still goes there
        tab.context.clear_cookies()
        tab.goto(base_url + "/login?next=/insights")
        tab.fill("#api_key", served.key(role="sales"))
        tab.click("button[type=submit]")
        tab.wait_for_url(base_url + "/insights")
    finally:
        tab.context.clear_cookies()
        tab.close()
