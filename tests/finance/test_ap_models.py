"""Payables gold on the synthetic company: balance events and aging equal the truth.

The generator knows every bill's open balance over time (truth/bill_balance_events.csv);
the dbt models rebuild it from the Xero-style exports, and the API readers age it on any
date. A second tenant with ugly accounting rows and no bank or payout files still builds.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import duckdb
import pytest

from revlake.finance.payables import bucket_of
from revlake.ingest import run_ingest
from revlake.queries.ap import ap_aging, ap_bills
from revlake.queries.params import PageParams
from revlake.reader import Build, BuildRegistry
from revlake.transform import snapshots
from revlake.transform.build import build_tenant
from revlake.workspace import init_workspace
from tests.company_support import CompanyFactory
from tests.finance.ap_support import AP_SELECT, TENANT, ApCompany, ap_company
from tests.ingest.test_ap_layouts import BILLS, PAYMENTS


@pytest.fixture(scope="module")
def company(company_factory: CompanyFactory) -> ApCompany:
    return ap_company(company_factory)


@pytest.fixture(scope="module")
def snapshot(company: ApCompany) -> Iterator[Build]:
    registry = BuildRegistry(company.workspace.snapshots_dir)
    with registry.acquire(TENANT) as snap:
        yield snap
    registry.close()


def _gold(company: ApCompany, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(company.snapshot), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _truth_open(company: ApCompany) -> dict[str, list[tuple[date, Decimal]]]:
    history: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    for e in company.truth("bill_balance_events.csv"):
        history[e["bill_number"]].append(
            (date.fromisoformat(e["date"]), Decimal(e["open_balance_after"]))
        )
    return history


def _open_on(history: list[tuple[date, Decimal]], day: date) -> Decimal:
    balance = Decimal(0)
    for when, after in history:
        if when <= day:
            balance = after
    return balance


def test_balance_events_equal_the_truth(company: ApCompany) -> None:
    gold = sorted(
        (str(b), d, str(e), Decimal(a), Decimal(o))
        for b, d, e, a, o in _gold(
            company,
            "select bill_number, event_date, event, amount, open_balance_after "
            "from gold.fct_ap_balance_events",
        )
    )
    truth = sorted(
        (
            e["bill_number"],
            date.fromisoformat(e["date"]),
            e["event"],
            Decimal(e["amount"]),
            Decimal(e["open_balance_after"]),
        )
        for e in company.truth("bill_balance_events.csv")
    )
    assert gold == truth
    assert {e for _b, _d, e, _a, _o in gold} == {"issued", "credit_note", "payment"}


def test_aging_on_sampled_dates_equals_the_truth(company: ApCompany, snapshot: Build) -> None:
    history = _truth_open(company)
    due = {
        b["InvoiceNumber"]: date.fromisoformat(b["DueDate"])
        for b in company.export("accounting/bills.csv")
        if b["Type"] == "Bill"
    }
    checked = 0
    for day in (date(2021, 6, 30), date(2022, 3, 15), date(2023, 12, 31), date(2025, 12, 31)):
        expected: dict[str, Decimal] = defaultdict(Decimal)
        for number, events in history.items():
            balance = _open_on(events, day)
            if balance:
                expected[bucket_of((day - due[number]).days)] += balance
        aging = ap_aging(snapshot, day)
        got = {b.bucket: b.amount for b in aging.buckets if b.amount}
        assert got == dict(expected), day
        assert aging.total_open == sum(expected.values(), Decimal(0))
        assert sum(v.total for v in aging.vendors) == aging.total_open
        checked += len(expected)
    assert checked >= 4
    # the default as-of date is the last bill event, and past due bills exist then
    latest = ap_aging(snapshot, None)
    assert latest.as_of == max(d for events in history.values() for d, _ in events)
    assert latest.total_open > 0


def test_monthly_kpi_matches_the_aging_and_the_truth(company: ApCompany) -> None:
    history = _truth_open(company)
    rows = _gold(
        company,
        "select month_end_date, open_ap, current_amount + past_due_1_30 + past_due_31_60 "
        "+ past_due_61_90 + past_due_91_120 + past_due_120_plus, billed_amount, paid_amount, "
        "dpo_days from gold.kpi_ap_monthly order by month_start_date",
    )
    assert len(rows) >= 55
    billed: dict[date, Decimal] = defaultdict(Decimal)
    for b in company.export("accounting/bills.csv"):
        if b["Type"] == "Bill":
            billed[date.fromisoformat(b["InvoiceDate"]).replace(day=1)] += Decimal(b["Total"])
    last_event = max(d for events in history.values() for d, _ in events)
    for month_end, open_ap, bucket_sum, billed_amount, paid, dpo in rows:
        assert isinstance(month_end, date)
        assert open_ap == bucket_sum
        snapshot_day = min(month_end, last_event)
        expected = sum((_open_on(ev, snapshot_day) for ev in history.values()), Decimal(0))
        assert open_ap == expected, month_end
        assert billed_amount == billed.get(month_end.replace(day=1), Decimal(0))
        assert paid >= 0
        if billed_amount:
            assert dpo is not None and dpo >= 0


def test_open_bills_list(company: ApCompany, snapshot: Build) -> None:
    page = ap_bills(snapshot, "open", None, None, PageParams(limit=500, offset=0))
    assert page.total == len(page.items) > 0
    assert all(b.open_balance != 0 for b in page.items)
    paid = ap_bills(snapshot, "paid", None, None, PageParams(limit=5, offset=0))
    assert paid.total > 100 and len(paid.items) == 5 and paid.next_offset == 5
    aws = ap_bills(snapshot, "all", "amazon", None, PageParams(limit=500, offset=0))
    assert aws.total > 0 and all(b.vendor_name == "Amazon Web Services" for b in aws.items)
    assert ap_bills(snapshot, "all", None, date(2020, 1, 1), PageParams()).total == 0


def test_a_tenant_without_bank_files_and_with_ugly_bills_still_builds(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    workspace = init_workspace(tmp_path_factory.mktemp("ap-ugly") / "ws")
    landing = workspace.landing_dir(TENANT)
    (landing / "accounting").mkdir(parents=True)
    (landing / "accounting" / "bills.csv").write_text(BILLS, encoding="utf-8")
    (landing / "accounting" / "bill_payments.csv").write_text(PAYMENTS, encoding="utf-8")
    run_ingest(workspace, TENANT)
    summary = build_tenant(workspace, TENANT, select=AP_SELECT)
    assert summary.published, [(n.name, n.message) for n in summary.failures]
    path = snapshots.current_snapshot(workspace.snapshots_dir(TENANT))
    con = duckdb.connect(str(path), read_only=True)
    try:
        valid = con.execute(
            "select bill_number, is_valid from silver.stg_accounting__bills order by 1"
        ).fetchall()
        events = con.execute(
            "select bill_number, event, amount, open_balance_after from gold.fct_ap_balance_events "
            "order by event_order"
        ).fetchall()
        bank = con.execute("select count(*) from gold.fct_bank_transactions").fetchone()
        cash = con.execute("select count(*) from gold.fct_cash_payments").fetchone()
    finally:
        con.close()
    # the bad date and the negative total are flagged, the ragged row never reached bronze
    assert valid == [("AWS-00001", True), ("BCC-00001", False), ("BCC-00002", False)]
    # the payment without a date and the negative one are left out
    assert events == [
        ("AWS-00001", "issued", Decimal("100.00"), Decimal("100.00")),
        ("AWS-00001", "payment", Decimal("-60.00"), Decimal("40.00")),
    ]
    assert bank == (0,)
    assert cash == (1,)  # the one valid bill payment; no Stripe or bank files at all
    shutil.rmtree(workspace.root, ignore_errors=True)


def test_sampled_dates_cover_a_late_and_a_disputed_bill(company: ApCompany) -> None:
    history = _truth_open(company)
    end = date(2025, 12, 31)
    overdue = [
        n for n, ev in history.items() if _open_on(ev, end) and ev[0][0] + timedelta(days=60) < end
    ]
    assert overdue, "the company should have at least one disputed, long-open bill"
