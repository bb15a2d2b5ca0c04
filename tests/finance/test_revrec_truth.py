"""Billing-driven recognition on a generated company equals an independent recomputation.

The dbt models (fct_revenue_schedule, fct_deferred_revenue_monthly) are checked against
`revlake.finance.recognition.invoice_line_schedule` applied to the generator's exported
CSVs directly (not to silver), line by line and month by month, and against the
identities: recognised to date + credited to date + deferred = billed for every line at
every month end; Σ schedule = Σ line net per invoice; the roll-forward rolls.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from revlake.errors import InputError
from revlake.finance.money import Money
from revlake.finance.recognition import LineMonth, invoice_line_schedule
from revlake.finance.revrec_reports import deferred_revenue_as_of, rollforward
from revlake.reader import Build
from tests.finance.conftest import RevrecCompany

CENT = Decimal("0.01")


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _day(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text[:10]) if text else None


def _cents_div(numerator: int, denominator: int) -> int:
    """round half away from zero of numerator ÷ denominator (denominator > 0)."""
    sign = -1 if numerator < 0 else 1
    return sign * ((2 * abs(numerator) + denominator) // (2 * denominator))


def _cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value(rounding=ROUND_HALF_UP))


def expected_schedule(
    exports: Path, *, known_by: dt.date | None = None
) -> dict[str, tuple[dict[str, Any], list[LineMonth]]]:
    """Every countable invoice line's schedule from the exported CSVs.

    With `known_by`, only invoices dated and credit notes issued on or before it exist.
    """
    billing = exports / "billing"
    invoices = {
        row["id"]: row
        for row in _read(billing / "invoices.csv")
        if row["Status"] not in {"void", "draft"}
        and (known_by is None or _day(row["Date (UTC)"]) <= known_by)  # type: ignore[operator]
    }
    lines = [
        row for row in _read(billing / "invoice_line_items.csv") if row["Invoice ID"] in invoices
    ]
    # the revenue part of each credit note, spread over the invoice's positive lines
    positive: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for row in sorted(lines, key=lambda r: r["id"]):
        net = _cents(Decimal(row["Amount"]) - Decimal(row["Discount Amount"] or "0"))
        if net > 0:
            positive[row["Invoice ID"]].append((row["id"], net))
    credits: dict[str, list[tuple[dt.date, Money]]] = defaultdict(list)
    for note in _read(billing / "credit_notes.csv"):
        invoice = invoices.get(note["Invoice ID"])
        issued = _day(note["Created (UTC)"])
        assert issued is not None
        if invoice is None or note["Status"] == "void" or (known_by and issued > known_by):
            continue
        total = _cents(Decimal(invoice["Total"]))
        if total <= 0:
            continue
        net = _cents(Decimal(invoice["Subtotal"]) - Decimal(invoice["Total Discount Amount"]))
        revenue = _cents_div(_cents(Decimal(note["Amount"])) * net, total)
        weights = positive[note["Invoice ID"]]
        whole = sum(w for _, w in weights)
        running = 0
        for line_id, weight in weights:
            part = _cents_div(revenue * (running + weight), whole) - _cents_div(
                revenue * running, whole
            )
            running += weight
            credits[line_id].append(
                (issued, Money(Decimal(part) * CENT, invoice["Currency"].upper()))
            )
    result: dict[str, tuple[dict[str, Any], list[LineMonth]]] = {}
    for row in lines:
        invoice = invoices[row["Invoice ID"]]
        currency = invoice["Currency"].upper()
        line_net = Money(Decimal(row["Amount"]) - Decimal(row["Discount Amount"] or "0"), currency)
        if line_net.is_zero:
            continue
        invoice_date = _day(invoice["Date (UTC)"])
        assert invoice_date is not None
        months = invoice_line_schedule(
            line_net,
            _day(row["Period Start (UTC)"]),
            _day(row["Period End (UTC)"]),
            invoice_date,
            credits.get(row["id"], []),
        )
        info = {
            "customer_id": invoice["Customer"],
            "currency": currency,
            "invoice_id": row["Invoice ID"],
            "invoice_date": invoice_date,
            "net": line_net.amount,
        }
        result[row["id"]] = (info, months)
    return result


@pytest.fixture(scope="module")
def gold(revrec_company: RevrecCompany) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(revrec_company.snapshot), read_only=True)


@pytest.fixture(scope="module")
def gold_build(gold: duckdb.DuckDBPyConnection) -> Build:
    return Build.over(gold)


@pytest.fixture(scope="module")
def expected(revrec_company: RevrecCompany) -> dict[str, tuple[dict[str, Any], list[LineMonth]]]:
    return expected_schedule(revrec_company.generated / "exports")


def test_build_is_green_and_revrec_tests_ran(revrec_company: RevrecCompany) -> None:
    summary = revrec_company.summary
    assert [(n.name, n.status, n.message) for n in summary.failures] == []
    assert summary.published
    for table in (
        "fct_revenue_schedule",
        "fct_deferred_revenue_monthly",
        "fct_deferred_revenue_monthly_total",
    ):
        assert summary.gold_rows[table] > 0, table
    tests = {n.name: n.status for n in summary.invocation.of_type("test")}
    for name in ("assert_revenue_schedule_sums_to_lines", "assert_deferred_revenue_rolls_forward"):
        assert tests.get(name) == "pass", (name, tests.get(name))
    assert tests.get("assert_point_in_time_revenue_lines") in {"pass", "warn"}
    unit = {n.name: n.status for n in summary.invocation.of_type("unit_test")}
    assert unit.get("revenue_schedule_edge_cases") == "pass", unit


def test_schedule_equals_the_recomputation_line_by_line(
    gold: duckdb.DuckDBPyConnection,
    expected: dict[str, tuple[dict[str, Any], list[LineMonth]]],
) -> None:
    rows = gold.execute(
        "select invoice_line_id, month_start_date, recognised_amount, credited_amount, "
        "recognised_to_date, credited_to_date, unrecognised_amount, line_net_amount "
        "from gold.fct_revenue_schedule order by invoice_line_id, month_start_date"
    ).fetchall()
    built: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        built[row[0]].append(row[1:])
    assert set(built) == set(expected)
    mismatches = []
    for line_id, (info, months) in expected.items():
        want = [
            (
                m.month,
                m.recognised.amount,
                m.credited.amount,
                m.recognised_to_date.amount,
                m.credited_to_date.amount,
                m.deferred(Money(info["net"], info["currency"])).amount,
                info["net"],
            )
            for m in months
        ]
        if [tuple(r) for r in built[line_id]] != want:
            mismatches.append(line_id)
    assert mismatches == [], f"{len(mismatches)} lines differ, e.g. {mismatches[:3]}"
    assert len(rows) > 500


def test_recognised_plus_deferred_equals_billed_at_every_month_end(
    gold: duckdb.DuckDBPyConnection,
) -> None:
    broken = gold.execute(
        "select count(*) from gold.fct_revenue_schedule "
        "where recognised_to_date + credited_to_date + unrecognised_amount <> line_net_amount"
    ).fetchone()
    assert broken == (0,)
    credited = gold.execute(
        "select count(distinct invoice_line_id), sum(credited_amount) "
        "from gold.fct_revenue_schedule where credited_amount <> 0"
    ).fetchone()
    assert credited is not None and credited[0] > 0, "the company should have credit notes"


def test_schedule_sums_to_line_net_per_invoice(
    gold: duckdb.DuckDBPyConnection,
    expected: dict[str, tuple[dict[str, Any], list[LineMonth]]],
) -> None:
    per_invoice: dict[str, Decimal] = defaultdict(Decimal)
    for info, _ in expected.values():
        per_invoice[info["invoice_id"]] += info["net"]
    built = dict(
        gold.execute(
            "select invoice_id, sum(recognised_amount + credited_amount) "
            "from gold.fct_revenue_schedule group by invoice_id"
        ).fetchall()
    )
    assert built == dict(per_invoice)


def test_rollforward_rolls_and_matches_the_schedule(
    gold: duckdb.DuckDBPyConnection, gold_build: Build
) -> None:
    rows = rollforward(gold_build, dt.date(2000, 1, 1), dt.date(2035, 12, 1))
    assert rows
    by_currency: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        assert row.opening + row.billed - row.recognised - row.contra == row.closing
        by_currency[row.currency].append(row)
    totals = dict(
        gold.execute(
            "select currency, sum(recognised_amount) from gold.fct_revenue_schedule group by 1"
        ).fetchall()
    )
    for currency, months in by_currency.items():
        assert sum(r.recognised for r in months) == totals[currency]
        assert months[-1].closing == 0


@pytest.mark.parametrize("month_end", ["2024-06-30", "2025-01-31", "2025-09-30"])
def test_deferred_as_of_a_past_month_end_equals_what_was_known_then(
    revrec_company: RevrecCompany, gold_build: Build, month_end: str
) -> None:
    as_of = dt.date.fromisoformat(month_end)
    then = expected_schedule(revrec_company.generated / "exports", known_by=as_of)
    known: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for info, months in then.values():
        upto = [m for m in months if m.month <= as_of]
        net = Money(info["net"], info["currency"])
        balance = upto[-1].deferred(net).amount if upto else info["net"]
        known[(info["customer_id"], info["currency"])] += balance
    result = deferred_revenue_as_of(gold_build, as_of)
    got = {(b.customer_id, b.currency): b.deferred for b in result.balances}
    assert got == dict(known)
    assert sum(result.totals().values()) > 0
    # and it is the roll-forward's closing balance of that month
    closing = {
        r.currency: r.closing
        for r in rollforward(gold_build, as_of.replace(day=1), as_of.replace(day=1))
    }
    assert {c: v for c, v in result.totals().items() if v} == {
        c: v for c, v in closing.items() if v
    }


def _next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _month_end(month: dt.date) -> dt.date:
    return _next_month(month) - dt.timedelta(days=1)


def dense_rollforward(gold: duckdb.DuckDBPyConnection, reporting: str) -> list[tuple[Any, ...]]:
    """The dense deferred revenue roll-forward recomputed in Python from the schedule.

    One row per customer, currency and every month from its first to its last billing or
    recognition month, in the columns of fct_deferred_revenue_monthly: each amount
    converted at the month end's rate (silver.int_fx__daily_rates, through USD) and
    rounded half away from zero per row, as the dense table does.
    """
    lines: dict[str, tuple[str, str, dt.date, Decimal]] = {}
    moved: dict[tuple[str, str, dt.date], list[Decimal]] = defaultdict(
        lambda: [Decimal(0), Decimal(0), Decimal(0)]
    )
    for line_id, customer, currency, invoiced, net, month, recognised, credited in gold.execute(
        "select invoice_line_id, customer_id, currency, invoice_date, line_net_amount, "
        "month_start_date, recognised_amount, credited_amount from gold.fct_revenue_schedule"
    ).fetchall():
        lines[line_id] = (customer, currency, invoiced, net)
        moved[(customer, currency, month)][1] += recognised
        moved[(customer, currency, month)][2] += credited
    for customer, currency, invoiced, net in lines.values():
        moved[(customer, currency, invoiced.replace(day=1))][0] += net
    spans: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    for customer, currency, month in moved:
        spans[(customer, currency)].append(month)
    rates = {
        (currency, day): Decimal(rate)
        for currency, day, rate in gold.execute(
            "select currency, rate_day, rate_to_usd from silver.int_fx__daily_rates"
        ).fetchall()
    }

    def convert(amount: Decimal, currency: str, day: dt.date) -> Decimal | None:
        one = Decimal(1)
        rate_from = one if currency in {reporting, "USD"} else rates.get((currency, day))
        rate_to = one if reporting in {currency, "USD"} else rates.get((reporting, day))
        if rate_from is None or rate_to is None:
            return None
        micro_from, micro_to = _cents(rate_from * 10_000), _cents(rate_to * 10_000)
        return Decimal(_cents_div(_cents(amount) * micro_from, micro_to)) * CENT

    rows: list[tuple[Any, ...]] = []
    for (customer, currency), months in spans.items():
        month, closing = min(months), Decimal("0.00")
        while month <= max(months):
            billed, recognised, contra = moved.get((customer, currency, month), [Decimal(0)] * 3)
            opening, closing = closing, closing + billed - recognised - contra
            end = _month_end(month)
            amounts = (opening, billed, recognised, contra, closing)
            converted = (convert(a, currency, end) for a in amounts)
            rows.append((customer, month, end, currency, *amounts, reporting, *converted))
            month = _next_month(month)
    return rows


def test_the_deferred_revenue_months_equal_a_dense_recomputation(
    gold: duckdb.DuckDBPyConnection,
) -> None:
    """fct_deferred_revenue_monthly equals the dense roll-forward recomputed from the
    schedule row by row (both ways, duplicates counted), and the total equals its Σ per
    month and currency (the *_rc totals: Σ of per-customer rounded conversions)."""
    reporting = gold.execute(
        "select distinct reporting_currency from gold.fct_deferred_revenue_monthly_total"
    ).fetchall()
    assert len(reporting) == 1
    want = dense_rollforward(gold, str(reporting[0][0]))
    got = gold.execute("select * from gold.fct_deferred_revenue_monthly").fetchall()
    missing, extra = Counter(want) - Counter(got), Counter(got) - Counter(want)
    assert (list(missing)[:3], list(extra)[:3]) == ([], [])
    assert len(got) == len(want) > 500

    totals: dict[tuple[dt.date, str], list[Any]] = {}
    for row in want:
        key = (row[1], row[3])
        total = totals.setdefault(key, [0] + [Decimal(0)] * 10)
        total[0] += 1
        for i, value in enumerate(row[4:9] + row[10:15]):
            total[i + 1] = None if value is None or total[i + 1] is None else total[i + 1] + value
    built = {
        (r[0], r[2]): [r[4], *r[5:15]]
        for r in gold.execute(
            "select month_start_date, month_end_date, currency, reporting_currency, "
            "customer_count, opening, billed, recognised, contra, closing, opening_rc, "
            "billed_rc, recognised_rc, contra_rc, closing_rc "
            "from gold.fct_deferred_revenue_monthly_total"
        ).fetchall()
    }
    assert built == totals


def test_as_of_needs_a_month_end(gold_build: Build) -> None:
    with pytest.raises(InputError, match="month end such as 2025-03-31"):
        deferred_revenue_as_of(gold_build, dt.date(2025, 3, 15))
