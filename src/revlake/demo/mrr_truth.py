"""customer_mrr_monthly truth rows: the contract's MRR rules 3–5 over a customer's state.

The input is the customer's MRR *state* over time — (from day, to day, monthly value in
minor units) intervals recorded by the billing simulation whenever price, quantity or
coupon changed — not the invoice lines, so the test that applies the contract rule to the
exported lines is an independent check.
"""

from __future__ import annotations

from revlake.demo.calendar import Calendar
from revlake.demo.reference import FxTable
from revlake.demo.sink import CsvFile, money, round_div


def write_mrr_truth(
    cal: Calendar,
    fx: FxTable,
    out: CsvFile,
    customer_id: str,
    currency: str,
    intervals: list[tuple[int, int, int]],
) -> None:
    """Write one row per month-end with MRR > 0 or a churn movement (months <= the end)."""
    first, last = cal.first_month, cal.last_full_month
    by_month: dict[int, int] = {}
    for start, end, value in intervals:
        for m in range(max(first, cal.month(start)), min(last + 1, cal.month(end))):
            by_month[m] = by_month.get(m, 0) + value
    if not by_month:
        return
    prev = prev_usd = 0
    ever = False
    for m in range(min(by_month), min(last, max(by_month) + 1) + 1):
        mrr = by_month.get(m, 0)
        if mrr == 0 and prev == 0:
            continue
        rate = fx.rate(currency, cal.month_last_day(m))
        usd = round_div(mrr * rate, 1_000_000)
        fx_impact = 0
        if mrr > 0 and prev > 0:
            fx_impact = round_div(prev * rate, 1_000_000) - prev_usd
            movement = usd - prev_usd - fx_impact
            kind = "expansion" if mrr > prev else "contraction" if mrr < prev else ""
        elif mrr > 0:
            movement = usd
            kind = "reactivation" if ever else "new"
        else:
            movement = -prev_usd
            kind = "churn"
        out.add(
            [
                customer_id,
                cal.month_text(m),
                currency,
                money(mrr),
                money(usd),
                kind,
                money(movement),
                money(fx_impact),
            ]
        )
        ever = ever or mrr > 0
        prev, prev_usd = mrr, usd
