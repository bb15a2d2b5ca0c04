"""The Bank page's three lists, each paged on its own (`revlake.web.listing`): the
ambiguous lines (`ambiguous_page`, `ambiguous_per_page`), the unmatched bank lines
(`page`, `per_page`) and the unmatched payments (`payments_page`, `payments_per_page`).

Each list says which rows show of how many (as many as its CSV download holds), a page of
it (inside the stored first 100 or past them) is the CSV's rows at that place, paging one
list leaves the others' pages as they were, and a bad page number of any list is named on
the page in its layout (400; 404 past the end, with a link back to the last page).

The demo company has no ambiguous lines, so these tests read a copy of the served
workspace whose bank statement lists 100 lines twice (`with_doubled_bank_lines`), with no
matching tolerance (`window_days=0`: more than 100 of its payments stay unmatched).
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from revlake.api import create_app
from revlake.web.common import PARTIAL_HEADER
from revlake.web.listing import DEFAULT_PAGE_SIZE, ListPaging, Paging, paging_param
from tests.company_support import copy_workspace
from tests.finance.ap_support import with_doubled_bank_lines
from tests.serving_support import ServedWorkspace

WINDOW = "window_days=0"


@dataclass(frozen=True)
class BankList:
    testid: str  # data-testid prefix of its table and pager
    prefix: str  # its paging parameters: f"{prefix}page", f"{prefix}per_page"
    csv: str  # its CSV download
    count: str  # its count in the API's answer
    key: tuple[str, str]  # the CSV columns that name a row, shown in its table too


AMBIGUOUS = BankList(
    "bank-ambiguous",
    "ambiguous_",
    "/finance/bank/ambiguous.csv",
    "ambiguous",
    ("Date", "Reference"),
)
LINES = BankList(
    "bank-unmatched",
    "",
    "/finance/bank/unmatched.csv",
    "unmatched_bank_lines",
    ("Date", "Reference"),
)
PAYMENTS = BankList(
    "bank-unmatched-payments",
    "payments_",
    "/finance/bank/unmatched-payments.csv",
    "unmatched_payments",
    ("Date", "Document"),
)
LISTS = (AMBIGUOUS, LINES, PAYMENTS)
TABLES = {
    AMBIGUOUS.testid: "bank-ambiguous-table",
    LINES.testid: "bank-unmatched-table",
    PAYMENTS.testid: "bank-unmatched-payments-table",
}
CELLS = {  # where the key columns sit in each table's row
    AMBIGUOUS.testid: (0, 2),  # Date, Amount, Reference, Description, Candidates
    LINES.testid: (0, 3),  # Date, Amount, Description, Reference, Counterparty
    PAYMENTS.testid: (0, 3),  # Date, Kind, Amount, Document, Counterparty
}


@pytest.fixture(scope="module")
def client(
    served: ServedWorkspace, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """An admin's session on a copy of the served workspace with doubled bank lines."""
    root: Path = tmp_path_factory.mktemp("bank-doubled") / "ws"
    workspace = with_doubled_bank_lines(copy_workspace(served.workspace, root))
    with TestClient(create_app(workspace), follow_redirects=False) as app:
        login = app.post("/login", data={"api_key": served.key(), "next": "/"})
        assert login.status_code == 303
        yield app


@pytest.fixture(scope="module")
def every(client: TestClient) -> dict[str, list[dict[str, str]]]:
    """Each list's CSV download (every row, in the page's order)."""
    found: dict[str, list[dict[str, str]]] = {}
    for case in LISTS:
        answer = client.get(f"{case.csv}?{WINDOW}")
        assert answer.status_code == 200, answer.text
        found[case.testid] = list(csv.DictReader(io.StringIO(answer.text)))
    # enough to page past the stored first 100 of the two lists the demo shows whole
    assert len(found[AMBIGUOUS.testid]) > 2 * DEFAULT_PAGE_SIZE + 25
    assert len(found[PAYMENTS.testid]) > 2 * DEFAULT_PAGE_SIZE + 25
    return found


def text_of(page: str, testid: str, part: str) -> str:
    found = re.search(rf'data-testid="{testid}-{part}"[^>]*>([^<]*)<', page)
    assert found is not None, f"no {testid}-{part} in the page"
    return found.group(1)


def shown_keys(page: str, testid: str) -> list[tuple[str, ...]]:
    """The key cells of each row of a list's table (as the CSV writes them)."""
    table = re.search(rf'data-testid="{TABLES[testid]}".*?<tbody>(.*?)</tbody>', page, re.S)
    assert table is not None, testid
    keys: list[tuple[str, ...]] = []
    for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S):
        cells = [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if len(cells) == 1:  # "None."
            continue
        keys.append(tuple(cells[i] for i in CELLS[testid]))
    return keys


def csv_keys(rows: list[dict[str, str]], case: BankList) -> list[tuple[str, ...]]:
    return [tuple(r[k].removeprefix("'") for k in case.key) for r in rows]


@pytest.mark.parametrize("case", LISTS, ids=[c.testid for c in LISTS])
def test_each_list_counts_its_rows_and_a_page_is_the_csvs_slice(
    client: TestClient,
    served: ServedWorkspace,
    every: dict[str, list[dict[str, str]]],
    case: BankList,
) -> None:
    rows = every[case.testid]
    total = len(rows)
    counts = client.get(
        f"/api/v1/ap/bank/reconciliation?{WINDOW}&limit=1",
        headers={"Authorization": f"Bearer {served.key()}"},
    ).json()["counts"]
    assert counts[case.count] == total
    first = client.get(f"/finance/bank?{WINDOW}")
    assert first.status_code == 200
    assert text_of(first.text, case.testid, "count") == f"Rows 1–{DEFAULT_PAGE_SIZE} of {total:,}"
    assert shown_keys(first.text, case.testid) == csv_keys(rows[:DEFAULT_PAGE_SIZE], case)
    # page 2 of 25 (inside the stored first 100) and page 3 of 50 (past them: the query's
    # own window), and the largest page size
    for page, size in ((2, 25), (3, 50), (1, 200)):
        answer = client.get(
            f"/finance/bank?{WINDOW}&{case.prefix}page={page}&{case.prefix}per_page={size}"
        )
        assert answer.status_code == 200
        start = (page - 1) * size
        part = rows[start : start + size]
        label = text_of(answer.text, case.testid, "count")
        assert label == f"Rows {start + 1:,}–{start + len(part):,} of {total:,}", (page, size)
        assert shown_keys(answer.text, case.testid) == csv_keys(part, case), (page, size)
        # the other lists keep their first page
        for other in LISTS:
            if other is not case:
                shown = text_of(answer.text, other.testid, "count")
                assert shown.startswith("Rows 1–") or shown == "No rows", (other.testid, shown)
    # the list's CSV link keeps the filters, never a page of any list
    paged = client.get(f"/finance/bank?{WINDOW}&page=2&ambiguous_page=2&payments_per_page=25")
    assert f'href="{case.csv}?{WINDOW}" download data-testid="{case.testid}-csv"' in paged.text
    assert "/api/v1" not in paged.text and "-again" not in paged.text  # no ids, no API paths


def test_paging_one_list_keeps_the_others_pages(
    client: TestClient, every: dict[str, list[dict[str, str]]]
) -> None:
    query = f"{WINDOW}&ambiguous_page=2&page=3&payments_page=2&payments_per_page=25"
    answer = client.get(f"/finance/bank?{query}")
    assert answer.status_code == 200
    expected = {
        AMBIGUOUS.testid: every[AMBIGUOUS.testid][50:100],
        LINES.testid: every[LINES.testid][100:150],
        PAYMENTS.testid: every[PAYMENTS.testid][25:50],
    }
    for case in LISTS:
        assert shown_keys(answer.text, case.testid) == csv_keys(expected[case.testid], case)
    # the ambiguous lines' "Next" moves that list alone and keeps the other two pages
    nav = re.search(r'data-testid="bank-ambiguous-pager".*?</nav>', answer.text, re.S)
    assert nav is not None
    hrefs = dict(
        (rel, html.unescape(href))
        for href, rel in re.findall(r'<a href="([^"]+)" rel="(prev|next)"', nav.group(0))
    )
    assert hrefs["next"] == (
        f"/finance/bank?{WINDOW}&page=3&payments_page=2&payments_per_page=25&ambiguous_page=3"
    )
    assert hrefs["prev"] == f"/finance/bank?{WINDOW}&page=3&payments_page=2&payments_per_page=25"
    sizes = re.findall(r'href="([^"]+)" aria-label="25 rows per page"', nav.group(0))
    assert [html.unescape(h) for h in sizes] == [
        f"/finance/bank?{WINDOW}&page=3&payments_page=2&payments_per_page=25&ambiguous_per_page=25"
    ]
    part = client.get(f"/finance/bank?{query}", headers={PARTIAL_HEADER: "1"})
    assert part.status_code == 200 and part.headers[PARTIAL_HEADER] == "1"
    assert "<header" not in part.text and part.text.count("data-inplace") >= 3


@pytest.mark.parametrize("case", [AMBIGUOUS, PAYMENTS], ids=["ambiguous", "payments"])
@pytest.mark.parametrize(
    ("value", "status", "message"),
    [
        ("page=0", 400, "is not a page number"),
        ("page=two", 400, "is not a page number"),
        ("page=" + "9" * 40, 400, "is not a page number"),
        ("per_page=7", 400, "rows per page is not offered"),
        ("page=1000", 404, "is past the last page"),
    ],
)
def test_a_bad_page_of_a_list_is_named_on_the_page_in_its_layout(
    client: TestClient, case: BankList, value: str, status: int, message: str
) -> None:
    answer = client.get(f"/finance/bank?{WINDOW}&page=2&{case.prefix}{value}")
    assert answer.status_code == status
    assert "<header" in answer.text and 'href="/finance/bank"' in answer.text  # the layout
    assert message in text_of(answer.text, case.testid, "error")
    assert "9" * 40 not in answer.text  # a long value is cut, not echoed whole
    if status == 400:  # named once: the other lists' links do not keep the bad value
        assert f"{case.prefix}{value}" not in html.unescape(answer.text)
    for other in LISTS:  # the other lists are unaffected
        if other is not case:
            assert f'data-testid="{other.testid}-error"' not in answer.text
    assert text_of(answer.text, LINES.testid, "count").startswith("Rows 51–")
    if status == 404:  # a way back: the list's last page, the other pages kept
        back = re.search(
            rf'data-testid="{case.testid}-pager".*?<a href="([^"]+)" rel="prev"', answer.text, re.S
        )
        assert back is not None
        assert re.fullmatch(
            rf"/finance/bank\?{WINDOW}&page=2&{case.prefix}page=\d+", html.unescape(back.group(1))
        )
    partial = client.get(
        f"/finance/bank?{WINDOW}&{case.prefix}{value}", headers={PARTIAL_HEADER: "1"}
    )
    assert partial.status_code == status and "<header" not in partial.text


@pytest.mark.parametrize(
    ("case", "name"),
    [(AMBIGUOUS, "ambiguous-bank-lines"), (PAYMENTS, "unmatched-payments")],
    ids=["ambiguous", "payments"],
)
def test_the_csv_downloads_hold_the_whole_list_in_the_apis_order(
    client: TestClient, served: ServedWorkspace, case: BankList, name: str
) -> None:
    api = client.get(
        f"/api/v1/ap/bank/reconciliation?{WINDOW}&limit=1000",
        headers={"Authorization": f"Bearer {served.key()}"},
    ).json()
    listed = api[case.count]
    assert len(listed) == api["counts"][case.count]
    download = client.get(f"{case.csv}?{WINDOW}")
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = download.headers["content-disposition"]
    assert re.fullmatch(rf'attachment; filename="demo-{name}-\d{{4}}-\d\d-\d\d\.csv"', disposition)
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert len(rows) == len(listed) == int(download.headers["x-revlake-rows"])
    headings = next(csv.reader(io.StringIO(download.text)))
    assert any(re.fullmatch(r"Amount \(\w+\)", h) for h in headings), headings
    if case is AMBIGUOUS:
        assert [r["Bank transaction"] for r in rows] == [
            a["bank_line"]["transaction_id"] for a in listed
        ]
        for row, entry in zip(rows, listed, strict=True):
            assert len(entry["candidates"]) >= 1
            assert row["Candidates"].count("; ") == len(entry["candidates"]) - 1
    else:
        assert [r["Payment"] for r in rows] == [p["payment_id"] for p in listed]


def test_list_paging_parameters() -> None:
    assert paging_param("page") and paging_param("per_page") and paging_param("partial")
    assert paging_param("ambiguous_page") and paging_param("payments_per_page")
    assert not paging_param("window_days") and not paging_param("from")
    with pytest.raises(ValueError):
        ListPaging("Bad-")
    assert Paging(2, 25, None, "payments_").names == ("payments_page", "payments_per_page")
    assert Paging(3, 50).params.offset == 100
