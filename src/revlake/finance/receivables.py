"""Receivables as of any date: open balances, aging buckets, overdue list, DSO, notes.

Everything here reads a published snapshot's gold receivables tables
(`gold.fct_ar_balance_events`, `fct_ar_invoices`, `fct_ar_payment_attempts`,
`kpi_ar_monthly`; docs/FINANCE.md "Receivables"). Because the balance events carry their
dates, the open balance of an invoice on any past date is exact: it is the balance after
the invoice's last event on or before that date. Amounts are `Decimal` in the invoice's
currency; reporting-currency totals convert at the as-of date's rate (the latest known
rate on or before it, cross rate through USD, rounded half away from zero), the FX
convention of the gold revenue models.

The readers take a published build (`revlake.reader.Build`, or anything with its `rows` and
`has_table`), so the API, the CLI and the tests run the same code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from revlake.errors import InputError, NotFound, RevlakeError
from revlake.reader import Rows, tables
from revlake.store.collections import CollectionNote, NoteInput, add_note, validate_note
from revlake.store.db import Store

AGING_BUCKETS: tuple[str, ...] = ("current", "1-30", "31-60", "61-90", "91-120", "120+")
"""Aging buckets: not yet due, then days past due (the reference's six buckets)."""

AR_TABLES = tables.AR_TABLES
CENT = Decimal("0.01")
InvoiceStatus = Literal["open", "overdue"]


# --------------------------------------------------------------------------- aging rules
def days_past_due(due_date: dt.date | None, as_of: dt.date) -> int:
    """Whole days from the due date to `as_of`; 0 while not yet due (or without a due date)."""
    if due_date is None or as_of <= due_date:
        return 0
    return (as_of - due_date).days


def aging_bucket(days_late: int) -> str:
    """The aging bucket of an invoice `days_late` days past due (0 = current)."""
    if days_late < 0:
        raise ValueError(f"days past due cannot be negative, got {days_late}")
    if days_late == 0:
        return "current"
    for bucket, upper in (("1-30", 30), ("31-60", 60), ("61-90", 90), ("91-120", 120)):
        if days_late <= upper:
            return bucket
    return "120+"


def convert(amount: Decimal, rate_from: Decimal, rate_to: Decimal) -> Decimal:
    """amount × rate_from ÷ rate_to rounded to cents half away from zero (USD-per-unit rates)."""
    value = amount * rate_from / rate_to
    return value.copy_abs().quantize(CENT, rounding=ROUND_HALF_UP).copy_sign(value)


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class OpenInvoice:
    """An invoice with an open balance on `as_of`, and what collection needs to know."""

    invoice_id: str
    invoice_number: str | None
    customer_id: str
    customer_name: str | None
    customer_email: str | None
    currency: str
    invoice_date: dt.date
    due_date: dt.date | None
    amount_due: Decimal
    open_balance: Decimal
    days_past_due: int
    aging_bucket: str
    is_uncollectible: bool
    last_payment_date: dt.date | None
    last_attempt_at: dt.datetime | None
    last_attempt_status: str | None
    last_failure_code: str | None
    last_failure_message: str | None


@dataclass
class AgingRow:
    """Open balances of one group (a currency, or a customer in one currency) by bucket."""

    currency: str
    customer_id: str | None = None
    customer_name: str | None = None
    buckets: dict[str, Decimal] = field(
        default_factory=lambda: {b: Decimal("0.00") for b in AGING_BUCKETS}
    )
    invoices: int = 0
    overdue_invoices: int = 0

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), Decimal("0.00"))

    @property
    def overdue(self) -> Decimal:
        return self.total - self.buckets["current"]

    def add(self, invoice: OpenInvoice, amount: Decimal) -> None:
        self.buckets[invoice.aging_bucket] += amount
        self.invoices += 1
        if invoice.days_past_due > 0:
            self.overdue_invoices += 1


@dataclass(frozen=True)
class AgingReport:
    """Aging as of a date: per currency, in the reporting currency, optionally per customer."""

    as_of: dt.date
    reporting_currency: str
    by_currency: list[AgingRow]
    total_rc: AgingRow
    by_customer: list[AgingRow] | None
    missing_rates: tuple[str, ...] = ()


@dataclass(frozen=True)
class DsoPoint:
    """Receivables, billed revenue and DSO of one month, in the reporting currency."""

    month_end: dt.date
    reporting_currency: str
    days_in_period: int
    receivables: Decimal
    billed: Decimal
    dso_days: Decimal | None
    overdue_invoices: int
    overdue_amount: Decimal


# --------------------------------------------------------------------------- queries
def require_ar_tables(reader: Rows) -> None:
    """Refuse (clearly) a snapshot built before the receivables models existed."""
    reader.require(*AR_TABLES, hint="run `revlake build` to rebuild it with the receivables tables")


def latest_event_date(reader: Rows) -> dt.date | None:
    """The last day with a balance event: the as-of date the exports describe."""
    rows = reader.rows("select max(event_date) as d from gold.fct_ar_balance_events")
    value = rows[0]["d"] if rows else None
    return value if isinstance(value, dt.date) else None


def resolve_as_of(reader: Rows, as_of: dt.date | None) -> dt.date:
    """`as_of`, or the snapshot's last event date when not given."""
    if as_of is not None:
        return as_of
    latest = latest_event_date(reader)
    if latest is None:
        raise RevlakeError("the snapshot has no invoices: nothing to age")
    return latest


_OPEN_AS_OF = """
with upto as (
  select invoice_id, event_sequence, event_type, event_date, open_balance_after
  from gold.fct_ar_balance_events where event_date <= ?
),
last_events as (
  -- (invoice_id, event_sequence) is unique: the latest event's balance, and the flags
  select invoice_id,
    arg_max_null(open_balance_after, event_sequence) as open_balance_after,
    max(case when event_type = 'marked_uncollectible' then event_date end) as uncollectible,
    max(case when event_type = 'payment' then event_date end) as last_payment_date
  from upto group by invoice_id
),
open_now as (
  select * from last_events where open_balance_after > 0
),
attempts as (
  -- only the open invoices' attempts are ranked (a few % of them)
  select invoice_id, attempted_at, status, failure_code, failure_message,
    row_number() over (
      partition by invoice_id order by attempted_at desc nulls last, charge_id desc
    ) as rn
  from gold.fct_ar_payment_attempts
  where attempt_date <= ? and invoice_id in (select invoice_id from open_now)
)
select i.invoice_id, i.invoice_number, i.customer_id, i.customer_name, i.customer_email,
  i.currency, i.invoice_date, i.due_date, i.amount_due, l.open_balance_after as open_balance,
  l.uncollectible is not null as is_uncollectible, l.last_payment_date,
  a.attempted_at as last_attempt_at, a.status as last_attempt_status,
  a.failure_code as last_failure_code, a.failure_message as last_failure_message
from open_now as l
join gold.fct_ar_invoices as i on i.invoice_id = l.invoice_id
left join attempts as a on a.invoice_id = l.invoice_id and a.rn = 1
where true
"""


def _as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """Gold `_at` columns are UTC (TIMESTAMP without zone): give the value its zone back."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _open_invoice(row: dict[str, Any], as_of: dt.date) -> OpenInvoice:
    late = days_past_due(row["due_date"], as_of)
    return OpenInvoice(
        invoice_id=str(row["invoice_id"]),
        invoice_number=row["invoice_number"],
        customer_id=str(row["customer_id"]),
        customer_name=row["customer_name"],
        customer_email=row["customer_email"],
        currency=str(row["currency"]),
        invoice_date=row["invoice_date"],
        due_date=row["due_date"],
        amount_due=Decimal(row["amount_due"]),
        open_balance=Decimal(row["open_balance"]),
        days_past_due=late,
        aging_bucket=aging_bucket(late),
        is_uncollectible=bool(row["is_uncollectible"]),
        last_payment_date=row["last_payment_date"],
        last_attempt_at=_as_utc(row["last_attempt_at"]),
        last_attempt_status=row["last_attempt_status"],
        last_failure_code=row["last_failure_code"],
        last_failure_message=row["last_failure_message"],
    )


def open_invoices(
    reader: Rows,
    as_of: dt.date | None = None,
    *,
    status: InvoiceStatus = "open",
    customer: str | None = None,
) -> list[OpenInvoice]:
    """Invoices with an open balance at the end of `as_of` (default: the latest event day).

    `status="overdue"` keeps those past their due date; `customer` keeps one customer (id).
    Ordered by days past due (most late first), then invoice date and id.
    """
    if status not in ("open", "overdue"):
        raise InputError(f"status: expected 'open' or 'overdue', got {status!r}")
    require_ar_tables(reader)
    day = resolve_as_of(reader, as_of)
    sql = _OPEN_AS_OF
    params: list[Any] = [day, day]
    if customer is not None:
        sql += " and i.customer_id = ?"
        params.append(customer)
    found = [_open_invoice(r, day) for r in reader.rows(sql, params)]
    if status == "overdue":
        found = [inv for inv in found if inv.days_past_due > 0]
    found.sort(key=lambda inv: (-inv.days_past_due, inv.invoice_date, inv.invoice_id))
    return found


def open_balances(reader: Rows, as_of: dt.date) -> dict[str, Decimal]:
    """Open balance of every invoice finalized on or before `as_of` (0 when settled)."""
    require_ar_tables(reader)
    rows = reader.rows(
        "select invoice_id, arg_max_null(open_balance_after, event_sequence) as open_balance_after"
        " from gold.fct_ar_balance_events where event_date <= ? group by invoice_id",
        [as_of],
    )
    return {str(r["invoice_id"]): Decimal(r["open_balance_after"]) for r in rows}


def overdue(reader: Rows, as_of: dt.date | None = None) -> list[OpenInvoice]:
    """Invoices past due on `as_of`, most days late first (with contact and last attempt)."""
    return open_invoices(reader, as_of, status="overdue")


def reporting_currency(reader: Rows) -> str:
    """The reporting currency the snapshot was built with."""
    rows = reader.rows("select max(reporting_currency) as rc from gold.kpi_ar_monthly")
    value = rows[0]["rc"] if rows else None
    return str(value) if value else "USD"


def rates_on(reader: Rows, day: dt.date, currencies: Iterable[str]) -> dict[str, Decimal]:
    """USD per unit of each currency on `day`: the latest known rate on or before it.

    Rates are the snapshot's silver FX table (the same rates gold converts with); USD is 1.
    """
    wanted = sorted(set(currencies) - {"USD"})
    found: dict[str, Decimal] = {"USD": Decimal(1)}
    if not wanted:
        return found
    marks = ", ".join("?" for _ in wanted)
    rows = reader.rows(
        "select currency, arg_max(rate_to_usd, rate_date) as rate from silver.stg_fx__rates "
        f"where rate_date <= ? and currency in ({marks}) group by currency",
        [day, *wanted],
    )
    found.update({str(r["currency"]): Decimal(r["rate"]) for r in rows})
    return found


def aging(reader: Rows, as_of: dt.date | None = None, *, by_customer: bool = False) -> AgingReport:
    """Open balances by aging bucket on `as_of`: per currency, in total in the reporting
    currency (at the as-of rate), and per customer and currency when asked."""
    day = resolve_as_of(reader, as_of)
    invoices = open_invoices(reader, day)
    rc = reporting_currency(reader)
    rates = rates_on(reader, day, {inv.currency for inv in invoices} | {rc})
    per_currency: dict[str, AgingRow] = {}
    per_customer: dict[tuple[str, str], AgingRow] = {}
    total = AgingRow(currency=rc)
    missing: set[str] = set()
    for inv in invoices:
        per_currency.setdefault(inv.currency, AgingRow(currency=inv.currency)).add(
            inv, inv.open_balance
        )
        if by_customer:
            key = (inv.customer_id, inv.currency)
            row = per_customer.setdefault(
                key,
                AgingRow(
                    currency=inv.currency,
                    customer_id=inv.customer_id,
                    customer_name=inv.customer_name,
                ),
            )
            row.add(inv, inv.open_balance)
        rate_from, rate_to = rates.get(inv.currency), rates.get(rc)
        if rate_from is None or rate_to is None:
            missing.add(inv.currency if rate_from is None else rc)
            continue
        total.add(inv, convert(inv.open_balance, rate_from, rate_to))
    customers = None
    if by_customer:
        customers = sorted(
            per_customer.values(), key=lambda r: (-r.total, r.customer_id or "", r.currency)
        )
    return AgingReport(
        as_of=day,
        reporting_currency=rc,
        by_currency=[per_currency[c] for c in sorted(per_currency)],
        total_rc=total,
        by_customer=customers,
        missing_rates=tuple(sorted(missing)),
    )


def dso(reader: Rows, start: dt.date | None = None, end: dt.date | None = None) -> list[DsoPoint]:
    """Monthly DSO (receivables ÷ billed revenue × days in the month) in the reporting
    currency, for the month ends between `start` and `end` (any day of those months)."""
    if start is not None and end is not None and start > end:
        raise InputError(f"DSO range: 'from' {start} is after 'to' {end}")
    require_ar_tables(reader)
    conditions = ["currency = 'ALL'"]
    params: list[Any] = []
    if start is not None:
        conditions.append("month_end_date >= ?")
        params.append(dt.date(start.year, start.month, 1))
    if end is not None:
        conditions.append("month_start_date <= ?")
        params.append(end)
    rows = reader.rows(
        "select month_end_date, reporting_currency, days_in_period, ar_total_rc, billed_rc, "
        "dso_days_rc, overdue_invoices, overdue_amount_rc from gold.kpi_ar_monthly "
        f"where {' and '.join(conditions)} order by month_end_date",
        params,
    )
    return [
        DsoPoint(
            month_end=r["month_end_date"],
            reporting_currency=str(r["reporting_currency"]),
            days_in_period=int(r["days_in_period"]),
            receivables=Decimal(r["ar_total_rc"]),
            billed=Decimal(r["billed_rc"]),
            dso_days=None if r["dso_days_rc"] is None else Decimal(r["dso_days_rc"]),
            overdue_invoices=int(r["overdue_invoices"]),
            overdue_amount=Decimal(r["overdue_amount_rc"]),
        )
        for r in rows
    ]


def monthly_aging(reader: Rows) -> list[dict[str, Any]]:
    """Every month end's aging in the reporting currency (kpi_ar_monthly 'ALL' rows)."""
    require_ar_tables(reader)
    return reader.rows(
        "select month_end_date, ar_current_rc, ar_1_30_rc, ar_31_60_rc, ar_61_90_rc, "
        "ar_91_120_rc, ar_120_plus_rc, ar_total_rc, dso_days_rc, reporting_currency "
        "from gold.kpi_ar_monthly where currency = 'ALL' order by month_end_date"
    )


def find_invoice(reader: Rows, invoice_id: str) -> dict[str, Any] | None:
    """The invoice's row of fct_ar_invoices, or None when the snapshot has no such invoice."""
    require_ar_tables(reader)
    rows = reader.rows("select * from gold.fct_ar_invoices where invoice_id = ?", [invoice_id])
    return rows[0] if rows else None


class UnknownInvoiceError(NotFound):
    """A note names an invoice the published snapshot does not have."""


def add_collection_note(
    store: Store, reader: Rows, *, tenant_id: str, note: NoteInput, author: str
) -> CollectionNote:
    """Validate and store a collection note on an invoice of the snapshot (audited).

    The invoice must exist in the tenant's published snapshot; the note records its
    customer. Nothing is written when anything is wrong.
    """
    invoice_id = validate_note(note).invoice_id
    found = find_invoice(reader, invoice_id)
    if found is None:
        raise UnknownInvoiceError(f"no invoice {invoice_id!r} in tenant {tenant_id!r}")
    with store.write() as session:
        return add_note(
            session,
            tenant_id=tenant_id,
            note=NoteInput(
                invoice_id=invoice_id,
                status=note.status,
                text=note.text,
                promised_date=note.promised_date,
                customer_id=str(found["customer_id"]),
            ),
            author=author,
        )
