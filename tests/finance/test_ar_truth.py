"""Receivables equal the generator's ground truth, every invoice, to the cent.

truth/invoice_balance_events.csv is the open balance of every invoice over time as the
generator knows it (never ingested). gold.fct_ar_balance_events is rebuilt from the Stripe
exports alone; here the two are compared event by event, the library's open balances at
12 month ends and 20 random days, the aging buckets (library and kpi_ar_monthly) against
buckets derived from the truth, and the export's Amount Remaining against the last balance.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

import pytest

from revlake.finance import receivables as ar
from revlake.reader import Build, open_build
from tests.company_support import CompanyFactory
from tests.finance.ar_support import ArCompany, ar_company

TruthEvent = tuple[str, dt.date, str, Decimal, Decimal]  # invoice, date, event, amount, balance


@pytest.fixture(scope="module")
def company(company_factory: CompanyFactory) -> ArCompany:
    return ar_company(company_factory)


@pytest.fixture(scope="module")
def snapshot(company: ArCompany) -> Build:
    return open_build(company.snapshot)


@pytest.fixture(scope="module")
def truth(company: ArCompany) -> dict[str, list[TruthEvent]]:
    events: dict[str, list[TruthEvent]] = defaultdict(list)
    with company.truth.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            events[row["invoice_id"]].append(
                (
                    row["invoice_id"],
                    dt.date.fromisoformat(row["date"]),
                    row["event"],
                    Decimal(row["amount"]),
                    Decimal(row["open_balance_after"]),
                )
            )
    return dict(events)


@pytest.fixture(scope="module")
def invoices(company: ArCompany) -> dict[str, dict[str, str]]:
    with company.invoices_csv.open(newline="", encoding="utf-8") as handle:
        return {row["id"]: row for row in csv.DictReader(handle)}


def truth_balance(events: list[TruthEvent], day: dt.date) -> Decimal | None:
    """The truth's open balance at the end of `day` (None before the invoice exists)."""
    balance = None
    for _, date, _, _, after in events:
        if date <= day:
            balance = after
    return balance


def sample_dates() -> list[dt.date]:
    """The 12 month ends of 2025 and 20 random days of 2022-2025 (fixed seed)."""
    month_ends = [dt.date(2025, m, calendar.monthrange(2025, m)[1]) for m in range(1, 13)]
    rng = random.Random(20261121)
    start = dt.date(2022, 1, 1)
    randoms = [start + dt.timedelta(days=rng.randrange(0, 4 * 365)) for _ in range(20)]
    return sorted(set(month_ends) | set(randoms))


def test_ar_models_and_reconciliation_passed(company: ArCompany) -> None:
    summary = company.summary
    tests = {n.name: n.status for n in summary.invocation.of_type("test")}
    units = {n.name: n.status for n in summary.invocation.of_type("unit_test")}
    assert tests.get("assert_ar_balance_equals_amount_remaining") == "pass"
    assert units.get("ar_balance_events_edge_cases") == "pass"
    assert units.get("ar_open_invoices_aging_buckets") == "pass"
    assert units.get("ar_open_invoices_month_end_fx") == "pass"
    for table in (
        "fct_ar_balance_events",
        "fct_ar_invoices",
        "fct_ar_open_invoices_native",
        "fct_ar_open_invoices_monthly",
        "kpi_ar_monthly",
    ):
        assert summary.gold_rows[table] > 0, table


def test_every_event_equals_truth(snapshot: Build, truth: dict[str, list[TruthEvent]]) -> None:
    rows = snapshot.rows(
        "select invoice_id, event_date, event_type, amount, open_balance_after "
        "from gold.fct_ar_balance_events order by invoice_id, event_sequence"
    )
    gold: dict[str, list[TruthEvent]] = defaultdict(list)
    for r in rows:
        gold[r["invoice_id"]].append(
            (
                r["invoice_id"],
                r["event_date"],
                r["event_type"],
                r["amount"],
                r["open_balance_after"],
            )
        )
    assert set(gold) == set(truth)
    different = [i for i in truth if gold[i] != truth[i]]
    assert different == [], [(i, gold[i], truth[i]) for i in different[:3]]
    assert sum(len(v) for v in truth.values()) > 6000


def test_open_balances_at_sampled_dates(
    snapshot: Build, truth: dict[str, list[TruthEvent]]
) -> None:
    dates = sample_dates()
    assert len(dates) >= 30
    compared = 0
    for day in dates:
        mine = ar.open_balances(snapshot, day)
        expected = {
            invoice: balance
            for invoice, events in truth.items()
            if (balance := truth_balance(events, day)) is not None
        }
        assert mine == expected, day
        compared += len(expected)
        # the open list holds exactly the invoices with a positive truth balance
        listed = {inv.invoice_id: inv.open_balance for inv in ar.open_invoices(snapshot, day)}
        assert listed == {i: b for i, b in expected.items() if b > 0}, day
    assert compared > 30_000


def _truth_aging(
    truth: dict[str, list[TruthEvent]], invoices: dict[str, dict[str, str]], day: dt.date
) -> dict[str, dict[str, Decimal]]:
    buckets: dict[str, dict[str, Decimal]] = defaultdict(
        lambda: {b: Decimal("0.00") for b in ar.AGING_BUCKETS}
    )
    for invoice, events in truth.items():
        balance = truth_balance(events, day)
        if balance is None or balance <= 0:
            continue
        row = invoices[invoice]
        due = dt.date.fromisoformat(row["Due Date (UTC)"][:10])
        late = (day - due).days if day > due else 0
        bucket = (
            "current"
            if late == 0
            else "1-30"
            if late <= 30
            else "31-60"
            if late <= 60
            else "61-90"
            if late <= 90
            else "91-120"
            if late <= 120
            else "120+"
        )
        buckets[row["Currency"].upper()][bucket] += balance
    return dict(buckets)


def test_aging_buckets_equal_truth(
    snapshot: Build,
    truth: dict[str, list[TruthEvent]],
    invoices: dict[str, dict[str, str]],
) -> None:
    seen_buckets: set[str] = set()
    for day in sample_dates():
        expected = _truth_aging(truth, invoices, day)
        report = ar.aging(snapshot, day)
        mine = {row.currency: row.buckets for row in report.by_currency}
        assert mine == expected, day
        seen_buckets |= {b for v in expected.values() for b, amount in v.items() if amount}
    assert seen_buckets >= {"current", "1-30", "120+"}


def test_kpi_ar_monthly_equals_truth_at_month_ends(
    snapshot: Build,
    truth: dict[str, list[TruthEvent]],
    invoices: dict[str, dict[str, str]],
) -> None:
    columns = ["ar_current", "ar_1_30", "ar_31_60", "ar_61_90", "ar_91_120", "ar_120_plus"]
    rows = snapshot.rows(
        f"select month_end_date, currency, {', '.join(columns)} from gold.kpi_ar_monthly "
        "where currency <> 'ALL' and month_end_date >= date '2024-01-01'"
    )
    assert len(rows) >= 24
    by_month: dict[dt.date, dict[str, dict[str, Decimal]]] = defaultdict(dict)
    for r in rows:
        by_month[r["month_end_date"]][r["currency"]] = dict(
            zip(ar.AGING_BUCKETS, (r[c] for c in columns), strict=True)
        )
    for month_end, mine in by_month.items():
        expected = _truth_aging(truth, invoices, month_end)
        nonzero = {c: b for c, b in mine.items() if any(b.values())}
        assert nonzero == expected, month_end


def test_amount_remaining_at_export_is_the_last_balance(
    snapshot: Build, invoices: dict[str, dict[str, str]]
) -> None:
    last = ar.latest_event_date(snapshot)
    assert last is not None
    balances = ar.open_balances(snapshot, last)
    assert set(balances) == set(invoices)
    different = {
        i: (balances[i], row["Amount Remaining"])
        for i, row in invoices.items()
        if balances[i] != Decimal(row["Amount Remaining"])
    }
    assert different == {}


def _kinds(
    truth: dict[str, list[TruthEvent]], invoices: dict[str, dict[str, str]]
) -> dict[str, list[str]]:
    kinds: dict[str, list[str]] = defaultdict(list)
    for invoice, events in truth.items():
        names = [e[2] for e in events]
        if names.count("payment") >= 2:
            kinds["partial_payments"].append(invoice)
        for name in ("overpayment", "credit_note", "voided", "marked_uncollectible"):
            if name in names:
                kinds[name].append(invoice)
        total = Decimal(invoices[invoice]["Total"])
        if total < 0:
            kinds["negative_invoice"].append(invoice)
        elif total == 0:
            kinds["zero_invoice"].append(invoice)
    return kinds


def test_ugly_cases_are_present_and_exact(
    snapshot: Build,
    truth: dict[str, list[TruthEvent]],
    invoices: dict[str, dict[str, str]],
) -> None:
    kinds = _kinds(truth, invoices)
    for kind in (
        "partial_payments",
        "overpayment",
        "credit_note",
        "voided",
        "marked_uncollectible",
        "negative_invoice",
        "zero_invoice",
    ):
        assert kinds[kind], f"the synthetic company has no {kind} case"
        for invoice in kinds[kind]:
            rows = snapshot.rows(
                "select event_date, event_type, amount, open_balance_after "
                "from gold.fct_ar_balance_events where invoice_id = ? order by event_sequence",
                [invoice],
            )
            mine = [tuple(r.values()) for r in rows]
            assert mine == [e[1:] for e in truth[invoice]], (kind, invoice)
    # a voided invoice is replaced by one for the same period the day after
    for invoice in kinds["voided"]:
        voided = invoices[invoice]
        replacements = [
            row
            for row in invoices.values()
            if row["Subscription"] == voided["Subscription"]
            and row["Period Start (UTC)"] == voided["Period Start (UTC)"]
            and row["id"] != invoice
        ]
        assert len(replacements) == 1
    # uncollectible invoices stay owed: in the open list with their full balance
    last = ar.latest_event_date(snapshot)
    open_now = {inv.invoice_id: inv for inv in ar.open_invoices(snapshot, last)}
    for invoice in kinds["marked_uncollectible"]:
        assert open_now[invoice].is_uncollectible
        assert open_now[invoice].open_balance == truth[invoice][-1][4] > 0
