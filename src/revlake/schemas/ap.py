"""Response bodies of the payables and bank endpoints (/api/v1/ap).

Money is exact: amounts are JSON strings holding decimals ("1234.50"), read from gold
DECIMAL(18,2) columns, in the bills' or the bank account's currency.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from revlake.finance.receivables import AGING_BUCKETS as RECEIVABLES_BUCKETS
from revlake.schemas.common import Money, Page, Schema

AGING_BUCKETS = RECEIVABLES_BUCKETS  # the same buckets as receivables


class ApBucket(Schema):
    """Open vendor balances in one aging bucket."""

    bucket: str = Field(description="current, 1-30, 31-60, 61-90, 91-120 or 120+ days past due")
    amount: Money
    bills: int


class ApVendorAging(Schema):
    """One vendor's open balance split by bucket."""

    vendor_name: str
    total: Money
    buckets: dict[str, Money]


class ApAging(Schema):
    """Accounts payable aging on a date."""

    as_of: date
    currency: str
    total_open: Money
    open_bills: int
    buckets: list[ApBucket]
    vendors: list[ApVendorAging]


class ApBill(Schema):
    """A vendor bill and its open balance on the as-of date."""

    bill_number: str
    vendor_name: str | None
    currency: str
    bill_date: date
    due_date: date
    total: Money
    open_balance: Money
    days_past_due: int
    aging_bucket: str | None = Field(description="Null when the bill is paid")
    status: str = Field(description="open (not yet due), overdue or paid")


class ApBillPage(Page[ApBill]):
    """A page of bills."""

    as_of: date


class BankLineOut(Schema):
    transaction_id: str
    date: date
    amount: Money
    currency: str
    reference: str | None
    description: str | None
    counterparty: str | None


class CashPaymentOut(Schema):
    payment_kind: str = Field(description="charge, refund, payout or bill_payment")
    payment_id: str
    date: date
    amount: Money
    currency: str
    document_number: str | None
    counterparty: str | None


class BankMatchOut(Schema):
    bank_line: BankLineOut
    payment: CashPaymentOut
    rule: str = Field(description="reference, reference_fuzzy or amount_date")
    score: float
    days_apart: int


class BankAmbiguousOut(Schema):
    bank_line: BankLineOut
    score: float
    candidates: list[CashPaymentOut]


class BankReconciliationCounts(Schema):
    matched: int
    ambiguous: int
    unmatched_bank_lines: int
    unmatched_payments: int
    dismissed: int = Field(description="Lines finance dismissed (they record no payment)")


class BankReconciliation(Schema):
    """Bank lines matched to payments; the lists are cut to `limit` entries each."""

    snapshot: str = Field(description="The published build the lines and payments come from")
    date_from: date | None
    date_to: date | None
    window_days: int
    counts: BankReconciliationCounts
    rules: dict[str, int]
    limit: int
    matched: list[BankMatchOut]
    ambiguous: list[BankAmbiguousOut]
    unmatched_bank_lines: list[BankLineOut]
    unmatched_payments: list[CashPaymentOut]
    dismissed: list[BankLineOut]


class BankResolutionIn(Schema):
    """Finance's decision about a bank line: match it to a payment, or dismiss it."""

    transaction_id: str = Field(min_length=1, max_length=200)
    action: Literal["match", "dismiss"]
    payment_kind: Literal["charge", "refund", "payout", "bill_payment"] | None = None
    payment_id: str | None = Field(default=None, max_length=200)
    note: str = Field(default="", max_length=2000)


class BankResolutionOut(Schema):
    id: int
    transaction_id: str
    action: str
    payment_kind: str | None
    payment_id: str | None
    note: str
    author: str
    created_at: datetime


class BankResolutions(Schema):
    """Every resolution of the tenant, oldest first (the newest per line is in force)."""

    items: list[BankResolutionOut]
