"""Payables and bank readers: AP aging and bills from gold, bank reconciliation.

Aging on any date is computed from `fct_ap_balance_events` (the open balance of a bill on a
date is the sum of its events up to that date), so it works for past dates too. The CLI
(`revlake ap`, `revlake bank`) uses the same functions.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import date
from decimal import Decimal
from typing import TypeVar

from sqlalchemy.orm import Session

from revlake.errors import InputError, NotFound
from revlake.finance import payables
from revlake.finance.reconciliation import (
    DEFAULT_WINDOW_DAYS,
    BankLine,
    Payment,
    Resolution,
    reconcile_rows,
)
from revlake.queries.params import PageParams
from revlake.reader import Build, tables
from revlake.schemas.ap import (
    AGING_BUCKETS,
    ApAging,
    ApBill,
    ApBillPage,
    ApBucket,
    ApVendorAging,
    BankAmbiguousOut,
    BankLineOut,
    BankMatchOut,
    BankReconciliation,
    BankReconciliationCounts,
    BankResolutionOut,
    CashPaymentOut,
)
from revlake.store.bank_matches import (
    BankMatchResolution,
    ResolutionInput,
    latest_resolutions,
    resolutions_stamp,
)

EVENTS_TABLE = payables.EVENTS_TABLE
T = TypeVar("T")


class NotFoundError(NotFound):
    """A resolution names a bank line or payment that the published build does not have."""


BANK_TABLES = tables.BANK_TABLES
BILL_STATUSES = ("open", "overdue", "paid", "all")
_ZERO = Decimal("0.00")


def ap_aging(snapshot: Build, as_of: date | None) -> ApAging:
    """Open balances on `as_of` (default: the data's as-of date) by bucket and vendor."""
    snapshot.require(EVENTS_TABLE, hint=payables.HINT)

    def compute() -> ApAging:
        aged = payables.payables_aging(snapshot, as_of)
        return ApAging(
            as_of=aged.as_of,
            currency=",".join(aged.currencies) or "USD",
            total_open=aged.total,
            open_bills=aged.open_bills,
            buckets=[
                ApBucket(bucket=b, amount=aged.amounts[b], bills=aged.bills[b])
                for b in AGING_BUCKETS
            ],
            vendors=[
                ApVendorAging(vendor_name=name, total=sum(v.values(), _ZERO), buckets=v)
                for name, v in aged.vendors
            ],
        )

    return snapshot.memo(("ap-aging", as_of), compute)


def ap_bills(
    snapshot: Build,
    status: str,
    vendor: str | None,
    as_of: date | None,
    page: PageParams,
) -> ApBillPage:
    """Bills with their balance on `as_of`, filtered by status and vendor, oldest due first."""
    if status not in BILL_STATUSES:
        raise InputError(f"query parameter 'status': expected one of {', '.join(BILL_STATUSES)}")
    snapshot.require(EVENTS_TABLE, hint=payables.HINT)

    def compute() -> ApBillPage:
        day = as_of or payables.default_as_of(snapshot)
        items: list[ApBill] = []
        for bill in payables.bill_balances(snapshot, day):
            name = bill.vendor_name
            if vendor is not None and vendor.lower() not in str(name or "").lower():
                continue
            state = bill.status
            if status == "open" and state == "paid":
                continue
            if status in ("overdue", "paid") and state != status:
                continue
            items.append(
                ApBill(
                    bill_number=bill.bill_number,
                    vendor_name=name,
                    currency=bill.currency,
                    bill_date=bill.bill_date,
                    due_date=bill.due_date,
                    total=bill.total,
                    open_balance=bill.open_balance,
                    days_past_due=bill.days_past_due,
                    aging_bucket=bill.bucket,
                    status=state,
                )
            )
        items.sort(key=lambda b: (b.due_date, b.bill_number))
        chunk = items[page.offset : page.offset + page.limit]
        end = page.offset + len(chunk)
        return ApBillPage(
            items=chunk,
            total=len(items),
            limit=page.limit,
            offset=page.offset,
            next_offset=end if end < len(items) else None,
            as_of=day,
        )

    return snapshot.memo(("ap-bills", status, vendor, as_of, page.limit, page.offset), compute)


def _line(ln: BankLine) -> BankLineOut:
    return BankLineOut(
        transaction_id=ln.transaction_id,
        date=ln.transaction_date,
        amount=ln.amount,
        currency=ln.currency,
        reference=ln.reference,
        description=ln.description,
        counterparty=ln.counterparty,
    )


def _payment(p: Payment) -> CashPaymentOut:
    return CashPaymentOut(
        payment_kind=p.payment_kind,
        payment_id=p.payment_id,
        date=p.payment_date,
        amount=p.amount,
        currency=p.currency,
        document_number=p.document_number,
        counterparty=p.counterparty,
    )


def bank_reconciliation(
    snapshot: Build,
    date_from: date | None,
    date_to: date | None,
    window_days: int = DEFAULT_WINDOW_DAYS,
    limit: int = 100,
    resolutions: Sequence[Resolution] = (),
    stamp: Hashable = None,
    *,
    lines: PageParams | None = None,
    ambiguous: PageParams | None = None,
    payments: PageParams | None = None,
) -> BankReconciliation:
    """Reconcile the bank lines dated in [date_from, date_to] (revlake.finance.reconciliation).

    `resolutions` are finance's decisions from the store; `stamp` identifies their version
    (revlake.store.bank_matches.resolutions_stamp) so the memo is per version. Each list
    holds its first `limit` entries, except a list given a window: the unmatched bank
    lines (`lines`), the ambiguous lines (`ambiguous`) or the unmatched payments
    (`payments`) then hold that LIMIT/OFFSET of the list in the reconciliation's order
    (the dashboard's pages of that list). Without windows the answer and its memo key are
    the API's (and the stored default view's). The reconciliation itself is memoised once
    per dates, window and stamp, so windows and limits of one reconciliation do not
    reconcile again.
    """
    snapshot.require(*BANK_TABLES, hint=payables.HINT)

    def compute() -> BankReconciliation:
        result = snapshot.memo(
            ("bank-reconcile", date_from, date_to, window_days, stamp),
            lambda: reconcile_rows(
                snapshot.rows,
                date_from=date_from,
                date_to=date_to,
                window_days=window_days,
                resolutions=resolutions,
            ),
        )
        counts = result.counts()
        unmatched = _window(result.unmatched_lines, lines, limit)
        return BankReconciliation(
            snapshot=snapshot.name,
            date_from=date_from,
            date_to=date_to,
            window_days=window_days,
            counts=BankReconciliationCounts(**counts),
            rules=result.rules,
            limit=limit,
            matched=[
                BankMatchOut(
                    bank_line=_line(m.line),
                    payment=_payment(m.payment),
                    rule=m.rule,
                    score=m.score,
                    days_apart=m.days_apart,
                )
                for m in result.matched[:limit]
            ],
            ambiguous=[
                BankAmbiguousOut(
                    bank_line=_line(a.line),
                    score=a.score,
                    candidates=[_payment(c.payment) for c in a.candidates],
                )
                for a in _window(result.ambiguous, ambiguous, limit)
            ],
            unmatched_bank_lines=[_line(ln) for ln in unmatched],
            unmatched_payments=[
                _payment(p) for p in _window(result.unmatched_payments, payments, limit)
            ],
            dismissed=[_line(ln) for ln in result.dismissed[:limit]],
        )

    key: tuple[Hashable, ...] = (
        "bank-reconciliation",
        date_from,
        date_to,
        window_days,
        limit,
        stamp,
    )
    for name, window in (("lines", lines), ("ambiguous", ambiguous), ("payments", payments)):
        if window is not None:
            key = (*key, name, window.offset, window.limit)
    return snapshot.memo(key, compute)


def _window(entries: tuple[T, ...], window: PageParams | None, limit: int) -> tuple[T, ...]:
    """A list's first `limit` entries, or its LIMIT/OFFSET `window` when it has one."""
    if window is None:
        return entries[:limit]
    return entries[window.offset : window.offset + window.limit]


def stored_resolutions(session: Session, tenant_id: str) -> tuple[list[Resolution], Hashable]:
    """The resolutions in force for a tenant and the stamp of their version."""
    rows = latest_resolutions(session, tenant_id=tenant_id)
    resolved = [Resolution(r.transaction_id, r.action, r.payment_kind, r.payment_id) for r in rows]
    return resolved, resolutions_stamp(session, tenant_id=tenant_id)


def resolution_out(row: BankMatchResolution) -> BankResolutionOut:
    return BankResolutionOut(
        id=row.number,
        transaction_id=row.transaction_id,
        action=row.action,
        payment_kind=row.payment_kind,
        payment_id=row.payment_id,
        note=row.note,
        author=row.author,
        created_at=row.created_at,
    )


def check_resolution_targets(snapshot: Build, res: ResolutionInput) -> None:
    """Refuse a resolution naming a bank line or payment the published snapshot lacks."""
    snapshot.require(*BANK_TABLES, hint=payables.HINT)
    if not snapshot.rows(
        "select 1 as x from gold.fct_bank_transactions where transaction_id = ?",
        [res.transaction_id],
    ):
        raise NotFoundError(f"bank line {res.transaction_id!r} is not in the published build")
    if res.action == "match" and not snapshot.rows(
        "select 1 as x from gold.fct_cash_payments where payment_kind = ? and payment_id = ?",
        [res.payment_kind, res.payment_id],
    ):
        raise NotFoundError(
            f"payment {res.payment_kind} {res.payment_id!r} is not in the published build"
        )
