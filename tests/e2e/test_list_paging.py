"""Long lists in a real browser: the customers list pages in place (static/inplace.js:
no reload, the address bar follows, the count says which rows show) through the page
links and the page-size links, and its "Download CSV" link downloads every customer
(as many rows as /api/v1/customers counts). The finance lists are shot at 1440 px with
their pagers. Uses the session's demo company and Chromium; screenshots in test-artifacts/.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from revlake.web.listing import DEFAULT_PAGE_SIZE
from tests.e2e.browser import api, logged_in_tab, row_keys, shoot
from tests.serving_support import ServedWorkspace

WIDTH = 1440


@pytest.fixture(scope="module")
def tab(browser_context: Any, base_url: str, served: ServedWorkspace) -> Iterator[Any]:
    yield from logged_in_tab(browser_context, base_url, served.key(), "/customers")


def updates(tab: Any) -> int:
    return int(tab.evaluate("() => window.revlakeInplace.state.updates"))


def click_in_place(tab: Any, locator: Any) -> None:
    """Click a link that updates the page in place and wait until the swap is done."""
    before = updates(tab)
    tab.evaluate("() => { window.__sameDocument = true; }")  # gone after a reload
    locator.click()
    tab.wait_for_function(f"() => window.revlakeInplace.state.updates > {before}")
    assert tab.evaluate("() => window.__sameDocument === true"), "the page reloaded"


def shown_ids(tab: Any) -> list[str]:
    return row_keys(tab, "customers", "customer")


def test_customers_page_in_place_and_download_every_row(
    tab: Any, base_url: str, served: ServedWorkspace, artifacts: Path
) -> None:
    key = served.key()
    total = api(base_url, key, "/api/v1/customers?limit=1")["total"]
    assert total > 2 * DEFAULT_PAGE_SIZE, "the demo company has several pages of customers"
    tab.set_viewport_size({"width": WIDTH, "height": 900})
    tab.goto(base_url + "/customers")
    count = tab.get_by_test_id("customers-count")
    assert count.inner_text() == f"Rows 1–{DEFAULT_PAGE_SIZE} of {total:,}"
    assert len(shown_ids(tab)) == DEFAULT_PAGE_SIZE
    assert "/api/v1" not in tab.content()

    pager = tab.get_by_test_id("customers-pager")
    click_in_place(tab, pager.get_by_role("link", name="Next →"))
    second = api(
        base_url, key, f"/api/v1/customers?limit={DEFAULT_PAGE_SIZE}&offset={DEFAULT_PAGE_SIZE}"
    )
    assert tab.url.endswith("/customers?page=2")
    assert (
        count.inner_text() == f"Rows {DEFAULT_PAGE_SIZE + 1}–{2 * DEFAULT_PAGE_SIZE} of {total:,}"
    )
    assert shown_ids(tab) == [c["customer_id"] for c in second["items"]]

    click_in_place(tab, pager.get_by_role("link", name="25 rows per page"))
    assert tab.url.endswith("/customers?per_page=25")
    assert count.inner_text() == f"Rows 1–25 of {total:,}"
    assert len(shown_ids(tab)) == 25
    shoot(tab, artifacts, "customers-paged")
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"the customers page is {width}px wide at {WIDTH} px"

    tab.go_back()  # history: back to page 2, in place
    tab.wait_for_function("() => location.search === '?page=2'")
    tab.wait_for_function(
        f"() => document.querySelector('[data-testid=customers-count]').textContent"
        f".startsWith('Rows {DEFAULT_PAGE_SIZE + 1}')"
    )

    with tab.expect_download() as started:
        pager.get_by_role("link", name="Download CSV").click()
    download = started.value
    assert download.suggested_filename.startswith("demo-customers-")
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == total
    assert {r["Customer id"] for r in rows} >= {c["customer_id"] for c in second["items"]}


@pytest.mark.parametrize(
    "path",
    [
        "/finance/ap",
        "/finance/ar/overdue",
        "/finance/bank",
        "/finance/revrec",
        "/finance/tax",
        "/customers/at-risk",
    ],
)
def test_finance_lists_show_a_pager_and_no_api_paths(
    tab: Any, base_url: str, artifacts: Path, path: str
) -> None:
    tab.set_viewport_size({"width": WIDTH, "height": 900})
    tab.goto(base_url + path)
    pagers = tab.locator("nav.list-pager")
    lists = 3 if path == "/finance/bank" else 1  # the bank's three lists page on their own
    assert pagers.count() == lists
    assert pagers.get_by_role("link", name="Download CSV").count() == lists
    for label in pagers.locator("[data-testid$=-count]").all_inner_texts():
        assert label.startswith(("Rows ", "No rows")), (path, label)
    assert "/api/v1" not in tab.locator("main").inner_text()
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{path} is {width}px wide at {WIDTH} px"
    shoot(tab, artifacts, "list-" + path.strip("/").replace("/", "-"))
