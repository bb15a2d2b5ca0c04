"""Vendor bills, bill payments, Stripe payouts and the bank statement of the generated company."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from revlake.demo.accounting import mangle
from tests.demo.helpers import day, dec, rows

Company = tuple[Path, dict[str, Any]]
AD_FILES = {
    "Google Ireland Ltd": ("exports/marketing/google_ads_campaign_report.csv", "Day", "Cost"),
    "Meta Platforms Ireland": (
        "exports/marketing/meta_ads_campaign_report.csv",
        "Reporting starts",
        "Amount spent (USD)",
    ),
    "LinkedIn Ireland": (
        "exports/marketing/linkedin_ads_campaign_report.csv",
        "Start Date (in UTC)",
        "Total Spent",
    ),
    "Microsoft Advertising": (
        "exports/marketing/microsoft_ads_campaign_report.csv",
        "TimePeriod",
        "Spend",
    ),
}


def test_advertising_bills_equal_the_ad_reports_spend(small_company: Company) -> None:
    folder, _ = small_company
    spend: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for vendor, (rel, day_col, cost_col) in AD_FILES.items():
        for r in rows(folder, rel):
            spend[(vendor, r[day_col][:7])] += dec(r[cost_col])
    billed: dict[tuple[str, str], Decimal] = {}
    for r in rows(folder, "exports/accounting/bills.csv"):
        if r["ContactName"] in AD_FILES:
            month = r["Description"].removeprefix("Advertising ")
            billed[(r["ContactName"], month)] = dec(r["Total"])
    # every month with spend is billed, except the last month (billed after the export)
    last_month = max(m for _v, m in spend)
    expected = {k: v for k, v in spend.items() if v > 0 and k[1] != last_month}
    assert billed == expected
    assert len(billed) >= 4 * 50


def test_bill_balances_match_the_truth_and_the_payments(small_company: Company) -> None:
    folder, _ = small_company
    bills = {
        r["InvoiceNumber"]: r
        for r in rows(folder, "exports/accounting/bills.csv")
        if r["Type"] == "Bill"
    }
    credits = [
        r for r in rows(folder, "exports/accounting/bills.csv") if r["Type"] == "Credit Note"
    ]
    assert credits, "expected at least one vendor credit note"
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for p in rows(folder, "exports/accounting/bill_payments.csv"):
        assert p["InvoiceNumber"] in bills
        assert dec(p["Amount"]) > 0
        assert p["Date"] >= bills[p["InvoiceNumber"]]["InvoiceDate"]
        paid[p["InvoiceNumber"]] += dec(p["Amount"])
    credited = {c["Reference"]: dec(c["Total"]) for c in credits}
    last: dict[str, Decimal] = {}
    for e in rows(folder, "truth/bill_balance_events.csv"):
        last[e["bill_number"]] = dec(e["open_balance_after"])
    statuses = Counter()
    for number, b in bills.items():
        assert dec(b["InvoiceAmountPaid"]) == paid[number]
        due = dec(b["Total"]) - paid[number] - credited.get(number, Decimal(0))
        assert dec(b["InvoiceAmountDue"]) == due == last[number], number
        assert (due == 0) == (b["Status"] == "Paid")
        statuses[b["Status"]] += 1
        assert (day(b["DueDate"]) - day(b["InvoiceDate"])).days in (15, 30, 45)
    assert statuses["Awaiting Payment"] >= 2
    late = sum(
        1
        for p in rows(folder, "exports/accounting/bill_payments.csv")
        if p["Date"] > bills[p["InvoiceNumber"]]["DueDate"]
    )
    assert late > 0
    assert Counter(n for n in paid).most_common(1)
    assert any(
        v
        for v in Counter(
            p["InvoiceNumber"] for p in rows(folder, "exports/accounting/bill_payments.csv")
        ).values()
        if v == 2
    )


def test_bank_statement_balances_run_per_account(small_company: Company) -> None:
    folder, _ = small_company
    previous: dict[str, Decimal] = {}
    last_date = ""
    ids = set()
    for r in rows(folder, "exports/bank/bank_statement.csv"):
        assert r["Date"] >= last_date
        last_date = r["Date"]
        assert r["ID"] not in ids
        ids.add(r["ID"])
        account = r["Account"]
        assert account == f"Main {r['Currency']}"
        if account in previous:
            assert previous[account] + dec(r["Amount"]) == dec(r["Balance"]), r["ID"]
        previous[account] = dec(r["Balance"])
    assert set(previous) == {"Main USD", "Main EUR", "Main GBP", "Main CAD", "Main AUD"}


def test_bank_truth_points_at_real_payments_with_equal_amounts(small_company: Company) -> None:
    folder, _ = small_company
    bank = {r["ID"]: r for r in rows(folder, "exports/bank/bank_statement.csv")}
    charges = {r["id"]: r for r in rows(folder, "exports/billing/charges.csv")}
    refunds = {r["id"]: r for r in rows(folder, "exports/billing/refunds.csv")}
    payouts = {r["id"]: r for r in rows(folder, "exports/billing/payouts.csv")}
    bill_pays = {r["PaymentID"]: r for r in rows(folder, "exports/accounting/bill_payments.csv")}
    kinds = Counter()
    seen = set()
    for t in rows(folder, "truth/bank_matches.csv"):
        line = bank[t["bank_transaction_id"]]
        assert dec(line["Amount"]) == dec(t["amount"])
        assert t["payment_id"] not in seen
        seen.add(t["payment_id"])
        kinds[t["payment_kind"]] += 1
        amount = dec(line["Amount"])
        lag = None
        if t["payment_kind"] == "charge":
            ch = charges[t["payment_id"]]
            assert ch["Payment Method Type"] == "bank_transfer" and ch["Status"] == "succeeded"
            assert amount == dec(ch["Amount"])
            lag = (day(line["Date"]) - day(ch["Created (UTC)"])).days
        elif t["payment_kind"] == "refund":
            assert amount == -dec(refunds[t["payment_id"]]["Amount"])
            lag = (day(line["Date"]) - day(refunds[t["payment_id"]]["Created (UTC)"])).days
        elif t["payment_kind"] == "payout":
            po = payouts[t["payment_id"]]
            assert amount == dec(po["Amount"]) and po["Status"] == "paid"
            lag = (day(line["Date"]) - day(po["Arrival Date (UTC)"])).days
        else:
            assert t["payment_kind"] == "bill_payment"
            assert amount == -dec(bill_pays[t["payment_id"]]["Amount"])
            lag = (day(line["Date"]) - day(bill_pays[t["payment_id"]]["Date"])).days
        assert 0 <= lag <= 2
    assert {"charge", "payout", "bill_payment"} <= set(kinds)
    unmatched = len(bank) - sum(kinds.values())
    assert unmatched > 50  # fees, rent, interest, savings transfers, card settlements


def test_payouts_are_the_card_money_of_the_day(small_company: Company) -> None:
    folder, _ = small_company
    net: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    card_charges = set()
    for ch in rows(folder, "exports/billing/charges.csv"):
        if ch["Status"] == "succeeded" and ch["Payment Method Type"] == "card":
            net[(ch["Currency"], day(ch["Created (UTC)"]))] += dec(ch["Amount"])
            card_charges.add(ch["id"])
    for re in rows(folder, "exports/billing/refunds.csv"):
        if re["Charge ID"] in card_charges:
            net[(re["Currency"], day(re["Created (UTC)"]))] -= dec(re["Amount"])
    expected: dict[tuple[str, date], Decimal] = {}
    for cur in {c for c, _d in net}:
        days = sorted(d for c, d in net if c == cur)
        balance = Decimal(0)
        d = days[0]
        while d <= days[-1]:
            balance += net.get((cur, d), Decimal(0))
            if balance > 0:
                expected[(cur, d)] = balance
                balance = Decimal(0)
            d += timedelta(days=1)
    got = {
        (p["Currency"], day(p["Created (UTC)"]) - timedelta(days=1)): dec(p["Amount"])
        for p in rows(folder, "exports/billing/payouts.csv")
    }
    assert got == expected
    assert all(p["id"].startswith("po_") for p in rows(folder, "exports/billing/payouts.csv"))


def test_mangled_references_stay_recognisable() -> None:
    import random

    rng = random.Random(1)
    forms = Counter()
    for _ in range(2000):
        ref = mangle("00000229C-0002", rng)
        forms["exact" if ref == "00000229C-0002" else ("missing" if not ref else "mangled")] += 1
    assert forms["exact"] > 1500 and forms["missing"] > 50 and forms["mangled"] > 150
