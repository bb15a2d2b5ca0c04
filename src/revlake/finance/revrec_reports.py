"""Billing-driven revenue recognition read from a published snapshot (gold tables).

`fct_revenue_schedule` (invoice line × month) and `fct_deferred_revenue_monthly`
(customer × month × currency) are built by dbt (docs/FINANCE.md). These functions read
them for the CLI (`revlake revrec schedule|rollforward`) and the API. Amounts come back
as exact `Decimal` (DuckDB DECIMAL columns), never floats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from revlake.errors import InputError
from revlake.finance.receivables import convert, rates_on
from revlake.finance.recognition import next_month
from revlake.reader import Rows


def _fetch(source: Rows, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    return [tuple(row.values()) for row in source.rows(sql, list(params))]


def latest_month_end(source: Rows) -> dt.date | None:
    """The last month end on or before the latest invoice date in the build, if any."""
    found = _fetch(source, "select max(invoice_date) from gold.fct_revenue_schedule", [])
    latest = found[0][0] if found else None
    if latest is None:
        return None
    end_of_month = next_month(latest) - dt.timedelta(days=1)
    return end_of_month if end_of_month == latest else latest.replace(day=1) - dt.timedelta(1)


@dataclass(frozen=True, slots=True)
class DeferredBalance:
    """Deferred (billed, not yet recognised) revenue of one customer in one currency."""

    customer_id: str
    currency: str
    billed: Decimal
    credited: Decimal
    recognised: Decimal

    @property
    def deferred(self) -> Decimal:
        return self.billed - self.credited - self.recognised


@dataclass(frozen=True, slots=True)
class DeferredAsOf:
    """Deferred revenue at the end of `as_of`, per customer and in total per currency."""

    as_of: dt.date
    balances: tuple[DeferredBalance, ...]

    def totals(self) -> dict[str, Decimal]:
        """Deferred revenue per currency."""
        totals: dict[str, Decimal] = {}
        for balance in self.balances:
            totals[balance.currency] = totals.get(balance.currency, Decimal(0)) + balance.deferred
        return dict(sorted(totals.items()))


@dataclass(frozen=True, slots=True)
class ConsolidatedDeferred:
    """Deferred revenue of every currency in the reporting currency at the as-of date's
    rate; currencies without a rate on or before that date are left out and named."""

    as_of: dt.date
    reporting_currency: str
    total_rc: Decimal
    by_currency: dict[str, Decimal]
    missing_rates: tuple[str, ...]


def consolidated_deferred(
    reader: Rows, as_of: dt.date, reporting_currency: str
) -> ConsolidatedDeferred:
    """Deferred revenue at month end `as_of`, per currency and in total in the reporting
    currency, converted at the as-of rate the receivables aging uses (one FX rule)."""
    totals = deferred_revenue_as_of(reader, as_of).totals()
    rates = rates_on(reader, as_of, {*totals, reporting_currency})
    total = Decimal("0.00")
    missing: list[str] = []
    for currency, amount in totals.items():
        rate_from, rate_to = rates.get(currency), rates.get(reporting_currency)
        if rate_from is None or rate_to is None:
            missing.append(currency if rate_from is None else reporting_currency)
            continue
        total += convert(amount, rate_from, rate_to)
    return ConsolidatedDeferred(
        as_of, reporting_currency, total, totals, tuple(sorted(set(missing)))
    )


def check_month_end(day: dt.date, *, field: str = "as_of") -> dt.date:
    """`day` itself when it is the last day of its month, else an InputError."""
    if (day + dt.timedelta(days=1)).day != 1:
        raise InputError(
            f"{field} = {day.isoformat()}: the schedule is monthly, give a month end "
            f"such as {(next_month(day) - dt.timedelta(days=1)).isoformat()}"
        )
    return day


def parse_month(text: str, *, field: str) -> dt.date:
    """'YYYY-MM' → the first day of that month."""
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise InputError(f"{field} = {text!r}: expected a month as YYYY-MM") from None


def deferred_revenue_as_of(con: Rows, as_of: dt.date) -> DeferredAsOf:
    """Deferred revenue at the end of month-end `as_of`, from invoices finalised by then.

    Only invoice lines whose invoice is dated on or before `as_of` count; each contributes
    its net − credits issued by `as_of` − revenue recognised by `as_of` (the line's
    schedule row of that month, its last row before it, or nothing recognised yet when
    its service starts later). Credits issued later never change earlier schedule rows
    (they only cap later months), so the figure equals what a build with only the data
    known at `as_of` gives.
    """
    check_month_end(as_of)
    month = as_of.replace(day=1)
    rows = _fetch(
        con,
        """
        -- one pass over the schedule (grain: invoice line × month): each line's net, and
        -- its credits and recognition to date from its last row on or before the month
        with lines as (
          select
            invoice_line_id, customer_id, currency, line_net_amount,
            arg_max_null(credited_to_date, month_start_date)
              filter (where month_start_date <= ?) as credited_to_date,
            arg_max_null(recognised_to_date, month_start_date)
              filter (where month_start_date <= ?) as recognised_to_date
          from gold.fct_revenue_schedule
          where invoice_date <= ?
          group by invoice_line_id, customer_id, currency, line_net_amount
        )
        select
          customer_id,
          currency,
          sum(line_net_amount) as billed,
          sum(coalesce(credited_to_date, 0)) as credited,
          sum(coalesce(recognised_to_date, 0)) as recognised
        from lines
        group by customer_id, currency
        order by customer_id, currency
        """,
        [month, month, as_of],
    )
    return DeferredAsOf(
        as_of,
        tuple(
            DeferredBalance(
                str(customer), str(currency), Decimal(billed), Decimal(credited), Decimal(rec)
            )
            for customer, currency, billed, credited, rec in rows
        ),
    )


@dataclass(frozen=True, slots=True)
class RollforwardRow:
    """One month of the deferred revenue roll-forward (one customer, or all)."""

    month: dt.date
    currency: str
    opening: Decimal
    billed: Decimal
    recognised: Decimal
    contra: Decimal
    closing: Decimal
    customer_id: str | None = None
    closing_rc: Decimal | None = None


def rollforward(
    con: Rows,
    first: dt.date,
    last: dt.date,
    *,
    customer_id: str | None = None,
) -> list[RollforwardRow]:
    """The roll-forward for the months first..last (first days of months), total or one customer."""
    if last < first:
        raise InputError(
            f"--to {last:%Y-%m} is before --from {first:%Y-%m}: give the months in order"
        )
    if customer_id is None:
        rows = _fetch(
            con,
            """
            select month_start_date, currency, opening, billed, recognised, contra, closing,
                   null, closing_rc
            from gold.fct_deferred_revenue_monthly_total
            where month_start_date between ? and ?
            order by month_start_date, currency
            """,
            [first, last],
        )
    else:
        rows = _fetch(
            con,
            """
            select month_start_date, currency, opening, billed, recognised, contra, closing,
                   customer_id, closing_rc
            from gold.fct_deferred_revenue_monthly
            where month_start_date between ? and ? and customer_id = ?
            order by month_start_date, currency
            """,
            [first, last, customer_id],
        )
    return [
        RollforwardRow(
            month=r[0],
            currency=str(r[1]),
            opening=Decimal(r[2]),
            billed=Decimal(r[3]),
            recognised=Decimal(r[4]),
            contra=Decimal(r[5]),
            closing=Decimal(r[6]),
            customer_id=None if r[7] is None else str(r[7]),
            closing_rc=None if r[8] is None else Decimal(r[8]),
        )
        for r in rows
    ]
