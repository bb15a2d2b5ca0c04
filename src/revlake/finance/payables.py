"""Payables as of any date: open bill balances and aging buckets (beside receivables).

Reads a published build's `gold.fct_ap_balance_events` (docs/FINANCE.md "Payables"): the
open balance of a bill on a date is the sum of its events up to that date, so aging works
for past dates too. Buckets are the receivables buckets (`receivables.aging_bucket`); not
yet due is `current`. Amounts are exact `Decimal` in the bill's currency. The API, the
dashboard and `revlake ap` all read through `revlake.queries.ap`, which calls these.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from revlake.finance.receivables import AGING_BUCKETS, aging_bucket
from revlake.reader import Rows, tables

EVENTS_TABLE = tables.AP_BALANCE_EVENTS
HINT = "run `revlake build` to add the payables and bank tables"
ZERO = Decimal("0.00")
BillState = Literal["open", "overdue", "paid"]


def bucket_of(days_past_due: int) -> str:
    """The aging bucket of a balance `days_past_due` days after its due date."""
    return aging_bucket(max(0, days_past_due))


def default_as_of(reader: Rows) -> date:
    """The data's as-of date: the last bill event; today when there are no bills yet."""
    rows = reader.rows(f"select max(event_date) as d from gold.{EVENTS_TABLE}")
    found = rows[0]["d"] if rows else None
    return found if isinstance(found, date) else date.today()


@dataclass(frozen=True, slots=True)
class BillBalance:
    """One bill issued on or before the as-of date, with its balance then."""

    bill_number: str
    vendor_name: str | None
    currency: str
    bill_date: date
    due_date: date
    total: Decimal
    open_balance: Decimal
    days_past_due: int

    @property
    def status(self) -> BillState:
        if self.open_balance == 0:
            return "paid"
        return "overdue" if self.days_past_due > 0 else "open"

    @property
    def bucket(self) -> str | None:
        return None if self.open_balance == 0 else bucket_of(self.days_past_due)


def bill_balances(reader: Rows, as_of: date) -> list[BillBalance]:
    """Every bill issued on or before `as_of` with its balance then, by bill number."""
    reader.require(EVENTS_TABLE, hint=HINT)
    rows = reader.rows(
        "select bill_number, any_value(vendor_name) as vendor_name, "
        "any_value(currency) as currency, any_value(bill_date) as bill_date, "
        "any_value(due_date) as due_date, "
        "sum(case when event = 'issued' then amount else 0 end) as total, "
        "sum(amount) as open_balance "
        f"from gold.{EVENTS_TABLE} where event_date <= ? group by bill_number "
        "order by bill_number",
        [as_of],
    )
    return [
        BillBalance(
            bill_number=str(r["bill_number"]),
            vendor_name=r["vendor_name"],
            currency=str(r["currency"]),
            bill_date=r["bill_date"],
            due_date=r["due_date"],
            total=Decimal(r["total"]),
            open_balance=Decimal(r["open_balance"]),
            days_past_due=(as_of - r["due_date"]).days,
        )
        for r in rows
    ]


@dataclass(frozen=True)
class PayablesAging:
    """Open vendor balances on a date by bucket, and per vendor (largest first)."""

    as_of: date
    currencies: tuple[str, ...]
    amounts: dict[str, Decimal]
    bills: dict[str, int]
    vendors: list[tuple[str, dict[str, Decimal]]]

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), ZERO)

    @property
    def open_bills(self) -> int:
        return sum(self.bills.values())


def payables_aging(reader: Rows, as_of: date | None = None) -> PayablesAging:
    """Open balances on `as_of` (default: the data's as-of date) by bucket and vendor."""
    reader.require(EVENTS_TABLE, hint=HINT)
    day = as_of or default_as_of(reader)
    amounts: dict[str, Decimal] = {b: ZERO for b in AGING_BUCKETS}
    counts: dict[str, int] = {b: 0 for b in AGING_BUCKETS}
    vendors: dict[str, dict[str, Decimal]] = defaultdict(lambda: {b: ZERO for b in AGING_BUCKETS})
    currencies: set[str] = set()
    for bill in bill_balances(reader, day):
        bucket = bill.bucket
        if bucket is None:
            continue
        amounts[bucket] += bill.open_balance
        counts[bucket] += 1
        vendors[str(bill.vendor_name)][bucket] += bill.open_balance
        currencies.add(bill.currency)
    ranked = sorted(vendors.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    return PayablesAging(day, tuple(sorted(currencies)), amounts, counts, ranked)
