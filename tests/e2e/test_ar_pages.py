"""Receivables pages in a real browser with a finance key: the aging table and charts equal
/api/v1/ar/aging, the overdue list equals /api/v1/ar/overdue (days late, contact), and a
collection note added through the page's form lands in /api/v1/ar/invoices/{id}/notes and
in the audit log. A cross-site form post and a sales key are refused.
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

BUCKET_KEYS = ("current", "days_1_30", "days_31_60", "days_61_90", "days_91_120", "days_over_120")


@pytest.fixture(scope="module")
def page(browser_context: Any, base_url: str, finance_key: str) -> Iterator[Any]:
    yield from logged_in_tab(browser_context, base_url, finance_key, "/finance/ar")


def test_ar_aging_page_equals_the_api(
    page: Any, base_url: str, finance_key: str, artifacts: Path
) -> None:
    aging = api(base_url, finance_key, "/api/v1/ar/aging")
    page.goto(base_url + "/finance/ar")
    charts_rendered(page)
    assert page.locator("[data-figure]").count() == 2
    rc = aging["reporting_currency"]
    assert page.get_by_test_id("ar-total").inner_text() == formatting.money(
        aging["total"]["total"], rc, decimals=2
    )
    assert page.get_by_test_id("ar-overdue").inner_text() == formatting.money(
        aging["total"]["overdue"], rc, decimals=2
    )
    for key in BUCKET_KEYS:
        cell = page.locator(f"table[data-testid=ar-aging] tfoot th[data-bucket='{key}']")
        assert cell.inner_text() == formatting.money(aging["total"]["buckets"][key], rc, decimals=2)
    rows = page.locator("table[data-testid=ar-aging] tbody tr").count()
    assert rows == max(1, len(aging["by_currency"]))
    # the aging by customer is paged: the first page of the query layer's customers
    customers = api(base_url, finance_key, "/api/v1/ar/aging?by_customer=true")["by_customer"]
    shown = page.locator("table[data-testid=ar-aging-customers] tbody tr td:first-child")
    assert shown.all_inner_texts() == [
        c["customer_name"] or c["customer_id"] for c in customers[:DEFAULT_PAGE_SIZE]
    ]
    count = page.get_by_test_id("ar-customers-count").inner_text()
    assert count == f"Rows 1–{min(len(customers), DEFAULT_PAGE_SIZE):,} of {len(customers):,}"
    shoot(page, artifacts, "ar-aging")

    page.fill("input[name=as_of]", "2024-06-30")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/finance/ar?as_of=2024-06-30")
    past = api(base_url, finance_key, "/api/v1/ar/aging?as_of=2024-06-30")
    assert page.get_by_test_id("ar-total").inner_text() == formatting.money(
        past["total"]["total"], rc, decimals=2
    )


def test_overdue_list_and_note_form(
    page: Any, base_url: str, finance_key: str, artifacts: Path
) -> None:
    overdue = api(base_url, finance_key, "/api/v1/ar/overdue?limit=500")
    assert overdue["total"] > 0
    page.goto(base_url + "/finance/ar/overdue")
    rows = page.locator("table[data-testid=ar-overdue-list] tbody tr[data-invoice]")
    assert rows.count() == min(DEFAULT_PAGE_SIZE, overdue["total"])
    first = overdue["items"][0]
    row = page.locator(f"tr[data-invoice='{first['invoice_id']}']")
    assert row.get_by_test_id("days-late").inner_text() == str(first["days_past_due"])
    assert first["customer_email"] in row.inner_text()

    form = page.locator(f"tr[data-note-for='{first['invoice_id']}'] form")
    form.locator("select[name=status]").select_option("promised")
    form.locator("input[name=text]").fill("Promised by phone")
    form.locator("input[name=promised_date]").fill("2026-02-15")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/finance/ar/overdue?noted=*")
    # the notice names the invoice as a person knows it, not by its internal id
    notice = page.get_by_test_id("ar-noted").inner_text()
    assert notice == f"Note added to invoice {first['invoice_number']} ({first['customer_name']})."
    assert first["invoice_id"] not in notice
    row = page.locator(f"tr[data-invoice='{first['invoice_id']}']")
    assert "promised: Promised by phone" in row.get_by_test_id("latest-note").inner_text()
    shoot(page, artifacts, "ar-overdue")

    notes = api(base_url, finance_key, f"/api/v1/ar/invoices/{first['invoice_id']}/notes")
    last = notes["items"][-1]
    assert (last["status"], last["text"], last["promised_date"]) == (
        "promised",
        "Promised by phone",
        "2026-02-15",
    )
    assert last["author"].startswith("web:")
    audit = api(base_url, finance_key, "/api/v1/audit?limit=20")["items"]
    assert any(
        e["action"] == "ar_note.created" and e["entity_id"] == first["invoice_id"] for e in audit
    )

    # a bad note comes back as a message on the page and writes nothing
    before = len(notes["items"])
    form = page.locator(f"tr[data-note-for='{first['invoice_id']}'] form")
    form.locator("select[name=status]").select_option("promised")
    form.locator("input[name=text]").fill("no date")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/finance/ar/overdue?error=*")
    assert "promised_date" in page.get_by_test_id("ar-error").inner_text()
    again = api(base_url, finance_key, f"/api/v1/ar/invoices/{first['invoice_id']}/notes")
    assert len(again["items"]) == before


def test_cross_site_post_and_other_roles_are_refused(
    base_url: str, served: ServedWorkspace, finance_key: str
) -> None:
    overdue = api(base_url, finance_key, "/api/v1/ar/overdue?limit=1")
    invoice_id = overdue["items"][0]["invoice_id"]
    with httpx.Client(base_url=base_url, follow_redirects=False, timeout=30) as browser:
        login = browser.post("/login", data={"api_key": finance_key, "next": "/"})
        assert login.status_code == 303
        forged = browser.post(
            f"/finance/ar/invoices/{invoice_id}/notes",
            data={"status": "written_off", "text": "forged"},
            headers={"Origin": "https://evil.example"},
        )
        assert forged.status_code == 403
        set_cookie = login.headers.get("set-cookie", "").lower()
        assert "samesite=strict" in set_cookie
    notes = api(base_url, finance_key, f"/api/v1/ar/invoices/{invoice_id}/notes")
    assert all(n["text"] != "forged" for n in notes["items"])
    with httpx.Client(base_url=base_url, follow_redirects=False, timeout=30) as browser:
        login = browser.post("/login", data={"api_key": served.key(role="sales"), "next": "/"})
        assert login.status_code == 303
        for path in ("/finance/ar", "/finance/ar/overdue"):
            assert browser.get(path).status_code == 403, path
        response = browser.post(
            f"/finance/ar/invoices/{invoice_id}/notes", data={"status": "contacted", "text": "x"}
        )
        assert response.status_code == 403
