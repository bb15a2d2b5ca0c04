"""Payables and bank readers: AP aging and bills from gold, bank reconciliation.

Aging on any date is computed from `fct_ap_balance_events` (the open balance of a bill on a
date is the sum of its events up to that date), so it works for past dates too. The CLI
(`revlake ap`, `revlake bank`) uses the same functions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from revlake.api.query import PageParams
from revlake.api.schemas_ap import (
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
from revlake.api.snapshots import NoSnapshotError, Snapshot
from revlake.errors import InputError
from revlake.finance.receivables import aging_bucket
from revlake.finance.reconciliation import (
    DEFAULT_WINDOW_DAYS,
    BankLine,
    Payment,
    Resolution,
    reconcile_rows,
)
from revlake.store.bank_matches import (
    BankMatchResolution,
    ResolutionInput,
    latest_resolutions,
    resolutions_stamp,
)

EVENTS_TABLE = "fct_ap_balance_events"


class NotFoundError(InputError):
    """A resolution names a bank line or payment that the published build does not have."""


BANK_TABLES = ("fct_bank_transactions", "fct_cash_payments")
BILL_STATUSES = ("open", "overdue", "paid", "all")
_ZERO = Decimal("0.00")


def _require(snapshot: Snapshot, *tables: str) -> None:
    for table in tables:
        if not snapshot.has_table(table):
            raise NoSnapshotError(
                f"the published build has no gold.{table}; run `revlake build` to add the "
                "payables and bank tables"
            )


def bucket_of(days_past_due: int) -> str:
    """The aging bucket of a balance `days_past_due` days after its due date: the same
    buckets as receivables (revlake.finance.receivables.aging_bucket); not yet due is
    `current`."""
    return aging_bucket(max(0, days_past_due))


def default_as_of(snapshot: Snapshot) -> date:
    """The data's as-of date: the last bill event; today when there are no bills yet."""
    rows = snapshot.rows(f"select max(event_date) as d from gold.{EVENTS_TABLE}")
    found = rows[0]["d"] if rows else None
    return found if isinstance(found, date) else date.today()


def _balances(snapshot: Snapshot, as_of: date) -> list[dict[str, Any]]:
    """Every bill issued on or before `as_of` with its balance then."""
    return snapshot.rows(
        "select bill_number, any_value(vendor_name) as vendor_name, "
        "any_value(currency) as currency, any_value(bill_date) as bill_date, "
        "any_value(due_date) as due_date, "
        "sum(case when event = 'issued' then amount else 0 end) as total, "
        "sum(amount) as open_balance "
        f"from gold.{EVENTS_TABLE} where event_date <= ? group by bill_number "
        "order by bill_number",
        [as_of],
    )


def ap_aging(snapshot: Snapshot, as_of: date | None) -> ApAging:
    """Open balances on `as_of` (default: the data's as-of date) by bucket and vendor."""
    _require(snapshot, EVENTS_TABLE)

    def compute() -> ApAging:
        day = as_of or default_as_of(snapshot)
        amounts: dict[str, Decimal] = {b: _ZERO for b in AGING_BUCKETS}
        counts: dict[str, int] = {b: 0 for b in AGING_BUCKETS}
        vendors: dict[str, dict[str, Decimal]] = defaultdict(
            lambda: {b: _ZERO for b in AGING_BUCKETS}
        )
        currencies: set[str] = set()
        for r in _balances(snapshot, day):
            balance = Decimal(r["open_balance"])
            if balance == 0:
                continue
            bucket = bucket_of((day - r["due_date"]).days)
            amounts[bucket] += balance
            counts[bucket] += 1
            vendors[str(r["vendor_name"])][bucket] += balance
            currencies.add(str(r["currency"]))
        total = sum(amounts.values(), _ZERO)
        return ApAging(
            as_of=day,
            currency=",".join(sorted(currencies)) or "USD",
            total_open=total,
            open_bills=sum(counts.values()),
            buckets=[ApBucket(bucket=b, amount=amounts[b], bills=counts[b]) for b in AGING_BUCKETS],
            vendors=[
                ApVendorAging(vendor_name=name, total=sum(v.values(), _ZERO), buckets=v)
                for name, v in sorted(vendors.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
            ],
        )

    return snapshot.memo(("ap-aging", as_of), compute)


def ap_bills(
    snapshot: Snapshot,
    status: str,
    vendor: str | None,
    as_of: date | None,
    page: PageParams,
) -> ApBillPage:
    """Bills with their balance on `as_of`, filtered by status and vendor, oldest due first."""
    if status not in BILL_STATUSES:
        raise InputError(f"query parameter 'status': expected one of {', '.join(BILL_STATUSES)}")
    _require(snapshot, EVENTS_TABLE)

    def compute() -> ApBillPage:
        day = as_of or default_as_of(snapshot)
        items: list[ApBill] = []
        for r in _balances(snapshot, day):
            if vendor is not None and vendor.lower() not in str(r["vendor_name"] or "").lower():
                continue
            balance = Decimal(r["open_balance"])
            days = (day - r["due_date"]).days
            state = "paid" if balance == 0 else ("overdue" if days > 0 else "open")
            if status == "open" and state == "paid":
                continue
            if status in ("overdue", "paid") and state != status:
                continue
            items.append(
                ApBill(
                    bill_number=str(r["bill_number"]),
                    vendor_name=r["vendor_name"],
                    currency=str(r["currency"]),
                    bill_date=r["bill_date"],
                    due_date=r["due_date"],
                    total=Decimal(r["total"]),
                    open_balance=balance,
                    days_past_due=days,
                    aging_bucket=None if balance == 0 else bucket_of(days),
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
    snapshot: Snapshot,
    date_from: date | None,
    date_to: date | None,
    window_days: int = DEFAULT_WINDOW_DAYS,
    limit: int = 100,
    resolutions: Sequence[Resolution] = (),
    stamp: Hashable = None,
) -> BankReconciliation:
    """Reconcile the bank lines dated in [date_from, date_to] (revlake.finance.reconciliation).

    `resolutions` are finance's decisions from the store; `stamp` identifies their version
    (revlake.store.bank_matches.resolutions_stamp) so the memo is per version.
    """
    _require(snapshot, *BANK_TABLES)

    def compute() -> BankReconciliation:
        result = reconcile_rows(
            snapshot.rows,
            date_from=date_from,
            date_to=date_to,
            window_days=window_days,
            resolutions=resolutions,
        )
        counts = result.counts()
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
                for a in result.ambiguous[:limit]
            ],
            unmatched_bank_lines=[_line(ln) for ln in result.unmatched_lines[:limit]],
            unmatched_payments=[_payment(p) for p in result.unmatched_payments[:limit]],
            dismissed=[_line(ln) for ln in result.dismissed[:limit]],
        )

    key = ("bank-reconciliation", date_from, date_to, window_days, limit, stamp)
    return snapshot.memo(key, compute)


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


def check_resolution_targets(snapshot: Snapshot, res: ResolutionInput) -> None:
    """Refuse a resolution naming a bank line or payment the published snapshot lacks."""
    _require(snapshot, *BANK_TABLES)
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
