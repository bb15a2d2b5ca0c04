"""Long lists on the dashboard (`revlake.web.listing`): each list page shows one page of
the query layer's rows with "Rows a–b of n", previous/next and page-size links, answers a
bad page number with the page itself naming the problem (400, or 404 past the end), and
its "Download CSV" route answers every row of the list (as many as the API's total) with
units in the headings, money as plain decimals and a filename naming tenant and date,
under the page's role check."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from revlake.api import create_app
from revlake.web.common import PARTIAL_HEADER
from revlake.web.listing import DEFAULT_PAGE_SIZE, Paging, cell, paging, unit
from tests.serving_support import ServedWorkspace


@dataclass(frozen=True)
class ListCase:
    page: str  # the dashboard page
    testid: str  # data-testid prefix of its pager
    csv: str  # the CSV route
    api: str  # the API list of the same rows
    total_at: tuple[str, ...]  # where the API answer holds the list's total
    name: str  # the list's part of the CSV filename
    money_heading: str  # a money column's heading, unit in parentheses


LISTS = (
    ListCase(
        "/finance/ap",
        "ap-bills",
        "/finance/ap/bills.csv",
        "/api/v1/ap/bills?status=open",
        ("total",),
        "open-bills",
        "Open balance",
    ),
    ListCase(
        "/finance/ar",
        "ar-customers",
        "/finance/ar/customers.csv",
        "/api/v1/ar/aging?by_customer=true",
        ("by_customer",),  # a list: its length
        "customer-aging",
        "Total",
    ),
    ListCase(
        "/finance/ar/overdue",
        "ar-overdue",
        "/finance/ar/overdue.csv",
        "/api/v1/ar/overdue",
        ("total",),
        "overdue-invoices",
        "Open balance",
    ),
    ListCase(
        "/finance/bank",
        "bank-unmatched",
        "/finance/bank/unmatched.csv",
        "/api/v1/ap/bank/reconciliation",
        ("counts", "unmatched_bank_lines"),
        "unmatched-bank-lines",
        "Amount",
    ),
    ListCase(
        "/finance/revrec",
        "revrec-customers",
        "/finance/revrec/deferred.csv",
        "/api/v1/revrec/deferred",
        ("customers", "total"),
        "deferred-revenue",
        "Deferred",
    ),
    ListCase(
        "/finance/tax",
        "tax-discrepancies",
        "/finance/tax/discrepancies.csv",
        "/api/v1/tax/discrepancies",
        ("total",),
        "tax-discrepancies",
        "Net",
    ),
    ListCase(
        "/customers",
        "customers",
        "/customers.csv",
        "/api/v1/customers",
        ("total",),
        "customers",
        "MRR",
    ),
    ListCase(
        "/customers/at-risk",
        "at-risk",
        "/customers/at-risk.csv",
        "/api/v1/customers/at-risk",
        ("total",),
        "customers-at-risk",
        "MRR at risk",
    ),
)
IDS = [case.csv for case in LISTS]


@pytest.fixture(scope="module")
def app_client(served: ServedWorkspace) -> Iterator[TestClient]:
    with TestClient(create_app(served.workspace), follow_redirects=False) as client:
        yield client


@pytest.fixture(scope="module")
def admin(app_client: TestClient, served: ServedWorkspace) -> TestClient:
    """The app with an admin's session cookie (the admin sees every list)."""
    response = app_client.post("/login", data={"api_key": served.key(), "next": "/"})
    assert response.status_code == 303
    return app_client


def api_total(client: TestClient, served: ServedWorkspace, case: ListCase) -> int:
    answer = client.get(case.api, headers={"Authorization": f"Bearer {served.key()}"})
    assert answer.status_code == 200, answer.text
    value: Any = answer.json()
    for key in case.total_at:
        value = value[key]
    return len(value) if isinstance(value, list) else int(value)


def pager_text(html: str, testid: str, part: str) -> str:
    found = re.search(rf'data-testid="{testid}-{part}"[^>]*>([^<]*)<', html)
    assert found is not None, f"no {testid}-{part} in the page"
    return found.group(1)


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("case", LISTS, ids=IDS)
def test_the_csv_holds_every_row_the_api_counts(
    admin: TestClient, served: ServedWorkspace, case: ListCase
) -> None:
    total = api_total(admin, served, case)
    page = admin.get(case.page)
    assert page.status_code == 200
    assert "/api/v1" not in page.text
    shown = min(total, DEFAULT_PAGE_SIZE)
    label = pager_text(page.text, case.testid, "count")
    assert label == (f"Rows 1–{shown:,} of {total:,}" if total else "No rows")
    assert f'href="{case.csv}"' in page.text

    download = admin.get(case.csv)
    assert download.status_code == 200
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = download.headers["content-disposition"]
    match = re.fullmatch(
        rf'attachment; filename="demo-{case.name}-(\d{{4}}-\d\d-\d\d)\.csv"', disposition
    )
    assert match is not None, disposition
    date.fromisoformat(match.group(1))
    rows = read_csv(download.text)
    assert len(rows) == total == int(download.headers["x-revlake-rows"])
    headings = next(csv.reader(io.StringIO(download.text)))
    money = [h for h in headings if h.startswith(case.money_heading + " (")]
    assert money, f"no {case.money_heading!r} column with a unit in {headings}"
    for row in rows:
        value = row[money[0]]
        assert value == "" or re.fullmatch(r"-?\d+(\.\d+)?", value), value
        if value:
            Decimal(value)


def test_page_two_continues_where_page_one_ends(admin: TestClient, served: ServedWorkspace) -> None:
    case = next(c for c in LISTS if c.page == "/customers")
    total = api_total(admin, served, case)
    assert total > 2 * 25, "the demo company has enough customers to page"
    first = admin.get("/customers?per_page=25")
    second = admin.get("/customers?per_page=25&page=2")
    assert pager_text(second.text, "customers", "count") == f"Rows 26–50 of {total:,}"
    ids = re.compile(r'data-customer="([^"]+)"')
    one, two = ids.findall(first.text), ids.findall(second.text)
    assert len(one) == len(two) == 25 and not set(one) & set(two)
    api = admin.get(
        "/api/v1/customers?limit=25&offset=25", headers={"Authorization": f"Bearer {served.key()}"}
    ).json()
    assert two == [c["customer_id"] for c in api["items"]]
    # the links keep the page size and filters, and say where they go
    assert 'href="/customers?per_page=25" rel="prev"' in second.text
    assert 'href="/customers?page=3&amp;per_page=25" rel="next"' in second.text
    filtered = admin.get("/customers?status=paying&page=2")
    assert 'href="/customers.csv?status=paying"' in filtered.text


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("page=0", 400, "is not a page number"),
        ("page=two", 400, "is not a page number"),
        ("per_page=7", 400, "rows per page is not offered"),
        ("page=100000", 404, "is past the last page"),
    ],
)
def test_a_bad_page_is_named_on_the_page_in_its_layout(
    admin: TestClient, query: str, status: int, message: str
) -> None:
    response = admin.get(f"/finance/ap?{query}")
    assert response.status_code == status
    assert "<header" in response.text and 'href="/finance/ap"' in response.text  # the layout
    error = pager_text(response.text, "ap-bills", "error")
    assert message in error
    if status == 404:  # a way back: the last page
        assert re.search(r'href="/finance/ap(\?page=\d+)?" rel="prev"', response.text)
    partial = admin.get(f"/finance/ap?{query}", headers={PARTIAL_HEADER: "1"})
    assert partial.status_code == status and "<header" not in partial.text


@pytest.mark.parametrize("path", ["/finance/ap", "/finance/ar/overdue", "/customers", "/sales"])
def test_list_pages_answer_in_place(admin: TestClient, path: str) -> None:
    part = admin.get(path + "?per_page=25", headers={PARTIAL_HEADER: "1"})
    assert part.status_code == 200  # the demo company has order lines: /sales answers too
    assert part.headers[PARTIAL_HEADER] == "1"
    assert "<main" not in part.text and "data-inplace" in part.text


def test_the_csv_routes_keep_the_pages_role_check(
    app_client: TestClient, served: ServedWorkspace
) -> None:
    app_client.cookies.clear()
    assert app_client.get("/finance/ap/bills.csv").status_code == 303  # to the login
    for role, path in (("sales", "/finance/ap/bills.csv"), ("marketing", "/customers.csv")):
        login = app_client.post("/login", data={"api_key": served.key(role=role), "next": "/"})
        assert login.status_code == 303
        assert app_client.get(path).status_code == 403, (role, path)
        app_client.cookies.clear()


def test_paging_parameters() -> None:
    assert paging(None, None) == Paging(1, DEFAULT_PAGE_SIZE, None)
    assert paging("3", "100").params.offset == 200
    assert paging("-1", None).error is not None
    assert paging(None, "1000").error is not None


def test_csv_cells() -> None:
    assert cell(Decimal("1234.50")) == "1234.50"
    assert cell(Decimal("-3.1")) == "-3.1"
    assert cell(date(2026, 1, 2)) == "2026-01-02"
    assert cell(None) == "" and cell(True) == "yes"
    assert cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert unit(["USD", "USD", None]) == "USD" and unit(["USD", "EUR"]) == "currency"


def test_the_customer_aging_csv_adds_up_to_the_aging_by_currency(
    admin: TestClient, served: ServedWorkspace
) -> None:
    """The Receivables page shows its first page of customers; the CSV holds all of them,
    and their totals per currency are the query layer's aging by currency."""
    aging = admin.get(
        "/api/v1/ar/aging?by_customer=true", headers={"Authorization": f"Bearer {served.key()}"}
    ).json()
    customers = aging["by_customer"]
    assert customers, "the demo company has open receivables"
    # the role-check test above clears the shared client's cookie: log in again
    assert admin.post("/login", data={"api_key": served.key(), "next": "/"}).status_code == 303
    page = admin.get("/finance/ar?per_page=25")
    rows = re.search(r'data-testid="ar-aging-customers".*?<tbody>(.*?)</tbody>', page.text, re.S)
    assert rows is not None
    shown = min(len(customers), 25)
    assert rows.group(1).count("<tr>") == shown
    assert pager_text(page.text, "ar-customers", "count") == f"Rows 1–{shown} of {len(customers)}"
    past = admin.get("/finance/ar?per_page=25&page=99")
    assert past.status_code == 404 and "is past the last page" in past.text
    download = read_csv(admin.get("/finance/ar/customers.csv").text)
    total = next(h for h in download[0] if h.startswith("Total ("))
    sums: dict[str, Decimal] = {}
    for row in download:
        sums[row["Currency"]] = sums.get(row["Currency"], Decimal(0)) + Decimal(row[total])
    assert sums == {r["currency"]: Decimal(str(r["total"])) for r in aging["by_currency"]}


def test_bank_pages_past_the_stored_view_come_from_the_querys_window(
    admin: TestClient, served: ServedWorkspace
) -> None:
    """The Bank page's unmatched lines: a page inside the stored first 100 and a page past
    them (the query's own window) both equal the CSV's rows at their place."""
    assert admin.post("/login", data={"api_key": served.key(), "next": "/"}).status_code == 303
    every = read_csv(admin.get("/finance/bank/unmatched.csv").text)
    total = len(every)
    assert total > 250, "the demo bank has enough unmatched lines to page past the first 100"
    ids = [row["Bank transaction"] for row in every]
    row_ids = re.compile(r"<tr><td>(\d{4}-\d\d-\d\d)</td>")
    for page, size in ((1, 50), (2, 50), (3, 50), (2, 200)):
        html = admin.get(f"/finance/bank?page={page}&per_page={size}").text
        first = (page - 1) * size
        shown = ids[first : first + size]
        label = pager_text(html, "bank-unmatched", "count")
        assert label == f"Rows {first + 1:,}–{first + len(shown):,} of {total:,}", label
        table = re.search(r'data-testid="bank-unmatched-table".*?<tbody>(.*?)</tbody>', html, re.S)
        assert table is not None
        dates = row_ids.findall(table.group(1))
        assert dates == [row["Date"] for row in every[first : first + size]], (page, size)
    past = admin.get(f"/finance/bank?page={total // 25 + 2}&per_page=25")
    assert past.status_code == 404 and "is past the last page" in past.text
