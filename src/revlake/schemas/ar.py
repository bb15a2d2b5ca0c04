"""Response and request bodies of the receivables endpoints (/api/v1/ar).

Amounts are JSON numbers with at most two decimals, in the currency the object names
(`currency`): the invoice currency for invoices and per-currency rows, the reporting
currency for totals and DSO.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import ConfigDict, Field

from revlake.schemas.common import Money, Page, Schema
from revlake.store.collections import MAX_TEXT

NoteStatusName = Literal[
    "contacted", "promised", "disputed", "escalated", "written_off", "resolved"
]


class ArBuckets(Schema):
    """Open balances by aging bucket: not yet due, then days past due."""

    current: Money
    days_1_30: Money
    days_31_60: Money
    days_61_90: Money
    days_91_120: Money
    days_over_120: Money


class ArAgingRow(Schema):
    """Open receivables of one currency (or one customer in one currency) by bucket."""

    currency: str
    customer_id: str | None = None
    customer_name: str | None = None
    invoices: int
    overdue_invoices: int
    total: Money
    overdue: Money
    buckets: ArBuckets


class ArAging(Schema):
    """Aging on `as_of`: per invoice currency, the total in the reporting currency, and
    per customer when asked (`by_customer=true`)."""

    as_of: date
    reporting_currency: str
    total: ArAgingRow
    by_currency: list[ArAgingRow]
    by_customer: list[ArAgingRow] | None = None
    missing_rates: list[str] = Field(
        default_factory=list,
        description="Currencies without an FX rate on or before as_of (left out of total)",
    )


class ArInvoice(Schema):
    """An invoice with an open balance on `as_of`, with contact and collection history."""

    invoice_id: str
    invoice_number: str | None
    customer_id: str
    customer_name: str | None
    customer_email: str | None
    currency: str
    invoice_date: date
    due_date: date | None
    amount_due: Money
    open_balance: Money
    days_past_due: int
    aging_bucket: str
    is_uncollectible: bool
    last_payment_date: date | None
    last_attempt_at: datetime | None
    last_attempt_status: str | None
    last_failure_code: str | None
    last_failure_message: str | None


class ArInvoicePage(Page[ArInvoice]):
    """One page of open (or overdue) invoices on `as_of`."""

    as_of: date


class DsoMonth(Schema):
    """Receivables at a month end, revenue billed in the month and DSO (reporting currency)."""

    month_end: date
    days_in_period: int
    receivables: Money
    billed: Money
    dso_days: float | None = Field(description="receivables ÷ billed × days; null if none billed")
    overdue_invoices: int
    overdue_amount: Money


class ArDso(Schema):
    """Monthly DSO, DSO = receivables ÷ revenue billed in the month × days in the month."""

    currency: str
    items: list[DsoMonth]


class CollectionNoteIn(Schema):
    """A collection note to add to an invoice."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: NoteStatusName
    text: str = Field(default="", max_length=MAX_TEXT)
    promised_date: date | None = Field(
        default=None, description="Required with status promised, refused otherwise"
    )


class CollectionNoteOut(Schema):
    """A stored collection note."""

    id: int
    invoice_id: str
    customer_id: str | None
    status: str
    text: str
    promised_date: date | None
    author: str
    created_at: datetime


class CollectionNotes(Schema):
    """Every note of one invoice, oldest first."""

    invoice_id: str
    items: list[CollectionNoteOut]
