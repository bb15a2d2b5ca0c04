"""The contract's MRR rule (docs/GENERATOR.md), applied to the exported CSVs, must give the
truth the generator computed from its own subscription state: every customer, every month."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from revlake.demo import GenerateConfig, generate_company
from tests.demo.helpers import day, dec, round2, rows


def _last_day(year: int, month: int) -> date:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def contract_mrr(folder: Path, end: date) -> dict[tuple[str, str], tuple[str, ...]]:
    """customer_mrr_monthly rows computed from the exports with rules 1-5 of the contract."""
    pct = {r["id"]: dec(r["Percent Off"]) for r in rows(folder, "exports/billing/coupons.csv")}
    invoices = {
        r["id"]: (r["Status"], r["Customer"]) for r in rows(folder, "exports/billing/invoices.csv")
    }
    currency = {
        r["id"]: r["Currency"].upper() for r in rows(folder, "exports/billing/customers.csv")
    }
    fx = {
        (r["date"], r["currency"]): dec(r["rate_to_usd"])
        for r in rows(folder, "exports/fx/fx_rates.csv")
    }
    mrr: dict[str, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for line in rows(folder, "exports/billing/invoice_line_items.csv"):
        if line["Type"] != "subscription":
            continue
        status, customer = invoices[line["Invoice ID"]]
        if status in ("void", "draft"):
            continue
        amount = dec(line["Amount"])
        proration = line["Proration"] == "true"
        if amount == 0 and not proration:
            continue  # a trial line is worth 0
        per = 12 if line["Plan Interval"] == "year" else 1
        months = per * int(line["Plan Interval Count"])
        p = pct[line["Coupon ID"]] if line["Coupon ID"] else Decimal(0)
        sign = -1 if proration and amount < 0 else 1
        value = sign * round2(
            dec(line["Unit Amount"]) * int(line["Quantity"]) * (1 - p / 100) / months
        )
        start, stop = day(line["Period Start (UTC)"]), day(line["Period End (UTC)"])
        for mi in range(start.year * 12 + start.month - 2, stop.year * 12 + stop.month + 1):
            last = _last_day(mi // 12, mi % 12 + 1)
            if start <= last < stop and last <= end:
                mrr[customer][mi] += value
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    for customer, by_month in mrr.items():
        cur = currency[customer]
        prev = prev_rc = Decimal(0)
        ever = False
        months_paid = [m for m, v in by_month.items() if v != 0]
        if not months_paid:
            continue
        last_month = end.year * 12 + end.month - 1
        if _last_day(end.year, end.month) > end:
            last_month -= 1
        for mi in range(min(months_paid), min(last_month, max(months_paid) + 1) + 1):
            value = by_month.get(mi, Decimal(0))
            if value == 0 and prev == 0:
                continue
            last = _last_day(mi // 12, mi % 12 + 1)
            rate = fx[(last.isoformat(), cur)]
            rc = round2(value * rate)
            fx_impact = Decimal(0)
            if value > 0 and prev > 0:
                fx_impact = round2(prev * rate) - prev_rc
                movement = rc - prev_rc - fx_impact
                kind = "expansion" if value > prev else "contraction" if value < prev else ""
            elif value > 0:
                movement, kind = rc, "reactivation" if ever else "new"
            else:
                movement, kind = -prev_rc, "churn"
            month = f"{mi // 12:04d}-{mi % 12 + 1:02d}-01"
            out[(customer, month)] = (
                cur,
                f"{value:.2f}",
                f"{rc:.2f}",
                kind,
                f"{movement:.2f}",
                f"{fx_impact:.2f}",
            )
            ever = ever or value > 0
            prev, prev_rc = value, rc
    return out


def test_contract_mrr_rule_reproduces_truth(small_company: tuple[Path, dict[str, Any]]) -> None:
    folder, manifest = small_company
    end = date.fromisoformat(manifest["arguments"]["end"])
    expected = contract_mrr(folder, end)
    truth = {
        (r["customer_id"], r["month"]): (
            r["currency"],
            r["mrr"],
            r["mrr_usd"],
            r["movement_type"],
            r["movement_usd"],
            r["fx_impact_usd"],
        )
        for r in rows(folder, "truth/customer_mrr_monthly.csv")
    }
    assert len(truth) > 3000  # a real history: hundreds of customers over years
    missing = sorted(set(truth) - set(expected))[:5]
    extra = sorted(set(expected) - set(truth))[:5]
    assert not missing and not extra, (missing, extra)
    wrong = [(k, truth[k], expected[k]) for k in sorted(truth) if truth[k] != expected[k]]
    assert not wrong, wrong[:5]
    kinds = {v[3] for v in truth.values()}
    assert {"new", "expansion", "contraction", "churn", "reactivation"} <= kinds


def test_movements_sum_to_mrr_change(small_company: tuple[Path, dict[str, Any]]) -> None:
    folder, _ = small_company
    total: dict[str, Decimal] = defaultdict(Decimal)
    moved: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows(folder, "truth/customer_mrr_monthly.csv"):
        total[r["month"]] += dec(r["mrr_usd"])
        moved[r["month"]] += dec(r["movement_usd"]) + dec(r["fx_impact_usd"])
    months = sorted(total)
    assert len(months) > 24
    for prev, cur in itertools.pairwise(months):
        assert moved[cur] == total[cur] - total[prev], cur
    assert moved[months[0]] == total[months[0]]


def test_contract_rule_with_mid_month_dates(tmp_path: Path) -> None:
    """A history that starts and ends mid-month: only complete months are in the truth."""
    cfg = GenerateConfig(
        customers=150, seed=21, out=tmp_path, start=date(2023, 3, 15), end=date(2024, 6, 15)
    )
    generate_company(cfg)
    truth = {
        (r["customer_id"], r["month"]): (
            r["currency"],
            r["mrr"],
            r["mrr_usd"],
            r["movement_type"],
            r["movement_usd"],
            r["fx_impact_usd"],
        )
        for r in rows(tmp_path, "truth/customer_mrr_monthly.csv")
    }
    assert truth
    assert max(month for _, month in truth) == "2024-05-01"
    assert truth == contract_mrr(tmp_path, cfg.end)
