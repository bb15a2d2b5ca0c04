"""Payables and bank pages in a real browser with a finance key: the aging chart and
table equal /api/v1/ap/aging, the as-of form reloads the page for another date, and the
bank page's counts equal /api/v1/ap/bank/reconciliation. On a bank statement with
ambiguous lines (a copy with doubled lines), each of the bank page's three lists pages in
place without touching the other two, its rows the CSV's at their place, at 1440 px and
on a 390 px phone. A sales key is refused both. Screenshots go to test-artifacts/ like the
other dashboard tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from revlake.api import create_app
from revlake.web import formatting
from revlake.web.listing import DEFAULT_PAGE_SIZE
from tests.company_support import copy_workspace
from tests.e2e.browser import api, charts_rendered, logged_in_tab, serve_in_thread, shoot
from tests.e2e.test_list_paging import click_in_place
from tests.finance.ap_support import with_doubled_bank_lines
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


BANK_LISTS = {  # pager testid → (table testid, CSV, the key columns and their cells)
    "bank-ambiguous": (
        "bank-ambiguous-table",
        "/finance/bank/ambiguous.csv",
        (("Date", 0), ("Reference", 2)),
    ),
    "bank-unmatched": (
        "bank-unmatched-table",
        "/finance/bank/unmatched.csv",
        (("Date", 0), ("Reference", 3)),
    ),
    "bank-unmatched-payments": (
        "bank-unmatched-payments-table",
        "/finance/bank/unmatched-payments.csv",
        (("Date", 0), ("Document", 3)),
    ),
}
NO_TOLERANCE = "window_days=0"  # more than 100 payments stay unmatched; nothing stored


@pytest.fixture(scope="module")
def doubled_url(served: ServedWorkspace, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server on a copy of the served workspace whose statement has doubled lines (so
    ambiguous ones: the demo company has none)."""
    root = tmp_path_factory.mktemp("bank-doubled-e2e") / "ws"
    workspace = with_doubled_bank_lines(copy_workspace(served.workspace, root))
    yield from serve_in_thread(create_app(workspace))


@pytest.fixture(scope="module")
def bank_tab(browser_context: Any, doubled_url: str, finance_key: str) -> Iterator[Any]:
    yield from logged_in_tab(browser_context, doubled_url, finance_key, "/finance/bank")


def shown_rows(tab: Any, testid: str) -> list[tuple[str, ...]]:
    table, _csv, columns = BANK_LISTS[testid]
    cells = [i for _name, i in columns]
    rows = tab.locator(f"table[data-testid={table}] tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"
    )
    return [tuple(row[i] for i in cells) for row in rows]


def csv_rows(tab: Any, base: str, testid: str) -> list[tuple[str, ...]]:
    """The list's CSV download (with the tab's session) as its key columns."""
    _table, path, columns = BANK_LISTS[testid]
    answer = tab.request.get(f"{base}{path}?{NO_TOLERANCE}")
    assert answer.status == 200
    rows = csv.DictReader(io.StringIO(answer.text()))
    return [tuple(r[name].removeprefix("'") for name, _i in columns) for r in rows]


def snapshot_of_lists(tab: Any) -> dict[str, tuple[str, list[tuple[str, ...]]]]:
    return {
        testid: (tab.get_by_test_id(f"{testid}-count").inner_text(), shown_rows(tab, testid))
        for testid in BANK_LISTS
    }


def test_each_bank_list_pages_in_place_alone(
    bank_tab: Any, doubled_url: str, artifacts: Path
) -> None:
    tab = bank_tab
    tab.set_viewport_size({"width": 1440, "height": 900})
    tab.goto(f"{doubled_url}/finance/bank?{NO_TOLERANCE}")
    every = {testid: csv_rows(tab, doubled_url, testid) for testid in BANK_LISTS}
    assert all(len(rows) > 2 * DEFAULT_PAGE_SIZE for rows in every.values()), {
        k: len(v) for k, v in every.items()
    }
    assert tab.locator("nav.list-pager").count() == 3
    before = snapshot_of_lists(tab)
    for testid, (label, rows) in before.items():
        assert label == f"Rows 1–{DEFAULT_PAGE_SIZE} of {len(every[testid]):,}"
        assert rows == every[testid][:DEFAULT_PAGE_SIZE]

    steps = (  # (pager, link, the list's page and size afterwards)
        ("bank-ambiguous", "Next →", 2, DEFAULT_PAGE_SIZE),
        ("bank-unmatched-payments", "25 rows per page", 1, 25),
        ("bank-unmatched-payments", "Next →", 2, 25),
        ("bank-ambiguous", "Next →", 3, DEFAULT_PAGE_SIZE),  # past the stored first 100
        ("bank-unmatched", "Next →", 2, DEFAULT_PAGE_SIZE),
    )
    for testid, link, page, size in steps:
        pager = tab.get_by_test_id(f"{testid}-pager")
        click_in_place(tab, pager.get_by_role("link", name=link, exact=True))
        after = snapshot_of_lists(tab)
        start = (page - 1) * size
        part = every[testid][start : start + size]
        total = len(every[testid])
        assert after[testid] == (f"Rows {start + 1:,}–{start + len(part):,} of {total:,}", part)
        for other in BANK_LISTS:  # the other two lists are as they were
            if other != testid:
                assert after[other] == before[other], (testid, link, other)
        before = after
    assert tab.url.endswith(
        f"/finance/bank?{NO_TOLERANCE}&payments_page=2&payments_per_page=25&ambiguous_page=3&page=2"
    ), tab.url
    main = tab.locator("main").inner_text()
    assert "/api/v1" not in main and "-again" not in main  # no API paths, no internal ids
    for width in (1440, 390):
        tab.set_viewport_size({"width": width, "height": 900})
        wide = tab.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"the bank page is {wide}px wide at {width} px"
        shoot(tab, artifacts, f"bank-lists-paged-{width}")
