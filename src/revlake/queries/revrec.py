"""Revenue recognition readers for the API: schedule, deferred revenue, contracts.

Thin adapters from `revlake.finance.revrec_reports` (billing-driven recognition in the
published snapshot) and `revlake.finance.contract_store` (contracts in the operational
store) to the response schemas of `revlake.schemas.revrec`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from revlake.errors import InputError
from revlake.finance import revrec_reports as reports
from revlake.finance.contract_store import StoredContract, list_contracts
from revlake.finance.recognition import next_month
from revlake.queries.params import PageParams
from revlake.reader import Build
from revlake.schemas.common import Page
from revlake.schemas.revrec import (
    AllocationLineOut,
    ContractDetail,
    ContractSummary,
    DeferredCustomer,
    DeferredTotal,
    RevrecDeferred,
    RevrecMonth,
    RevrecSchedule,
    ScheduleRowOut,
    SegmentOut,
)

ROLLFORWARD_MONTHS = 12


def _month(text: str | None, field: str, default: dt.date) -> dt.date:
    return default if text is None else reports.parse_month(text, field=field)


def _months(rows: list[reports.RollforwardRow]) -> dict[tuple[dt.date, str], RevrecMonth]:
    return {
        (r.month, r.currency): RevrecMonth(
            month=r.month.strftime("%Y-%m"),
            currency=r.currency,
            opening=Decimal(r.opening),
            billed=Decimal(r.billed),
            recognised=Decimal(r.recognised),
            contra=Decimal(r.contra),
            closing=Decimal(r.closing),
            contracts_recognised=Decimal(0),
        )
        for r in rows
    }


def schedule(
    snapshot: Build,
    session: Session,
    tenant_id: str,
    start: str | None,
    end: str | None,
    customer_id: str | None,
) -> RevrecSchedule:
    """Billing-driven months (roll-forward) plus contract revenue per month and currency."""
    latest = reports.latest_month_end(snapshot) or dt.date.today()
    last = _month(end, "to", latest.replace(day=1))
    first = _month(start, "from", (last - dt.timedelta(days=330)).replace(day=1))
    if (last.year - first.year) * 12 + last.month - first.month > 240:
        raise InputError(f"from {first:%Y-%m} to {last:%Y-%m}: at most 240 months at once")
    months = _months(reports.rollforward(snapshot, first, last, customer_id=customer_id))
    contract_months: dict[tuple[dt.date, str], Decimal] = {}
    for stored in list_contracts(session, tenant_id):
        if customer_id is not None and stored.contract.customer_id != customer_id:
            continue
        for month, amount in stored.schedule().by_month():
            if first <= month <= last:
                key = (month, amount.currency)
                contract_months[key] = contract_months.get(key, Decimal(0)) + amount.amount
    for key, total in contract_months.items():
        month, currency = key
        base = months.get(key) or RevrecMonth(
            month=month.strftime("%Y-%m"),
            currency=currency,
            opening=Decimal(0),
            billed=Decimal(0),
            recognised=Decimal(0),
            contra=Decimal(0),
            closing=Decimal(0),
            contracts_recognised=Decimal(0),
        )
        months[key] = base.model_copy(update={"contracts_recognised": Decimal(total)})
    return RevrecSchedule(
        snapshot=snapshot.name,
        start=first.strftime("%Y-%m"),
        end=last.strftime("%Y-%m"),
        customer_id=customer_id,
        months=[months[key] for key in sorted(months)],
    )


def deferred(snapshot: Build, as_of: dt.date | None, page: PageParams) -> RevrecDeferred:
    """Deferred revenue at month end `as_of` (default: the last one in the data)."""
    day = as_of or reports.latest_month_end(snapshot)
    if day is None:
        raise InputError("the build has no invoices yet, so there is no deferred revenue")
    reports.check_month_end(day)
    result = reports.deferred_revenue_as_of(snapshot, day)
    balances = sorted(
        (b for b in result.balances if b.deferred),
        key=lambda b: (-b.deferred, b.customer_id, b.currency),
    )
    window = balances[page.offset : page.offset + page.limit]
    end = page.offset + len(window)
    first = day.replace(day=1)
    for _ in range(ROLLFORWARD_MONTHS - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    rolled = _months(reports.rollforward(snapshot, first, day.replace(day=1)))
    return RevrecDeferred(
        as_of=day,
        totals=[DeferredTotal(currency=c, deferred=Decimal(v)) for c, v in result.totals().items()],
        customers=Page[DeferredCustomer](
            items=[
                DeferredCustomer(
                    customer_id=b.customer_id,
                    currency=b.currency,
                    billed=Decimal(b.billed),
                    credited=Decimal(b.credited),
                    recognised=Decimal(b.recognised),
                    deferred=Decimal(b.deferred),
                )
                for b in window
            ],
            total=len(balances),
            limit=page.limit,
            offset=page.offset,
            next_offset=end if end < len(balances) else None,
        ),
        rollforward=[rolled[key] for key in sorted(rolled)],
    )


def contract_summary(stored: StoredContract, today: dt.date) -> ContractSummary:
    schedule_ = stored.schedule()
    c = stored.contract
    return ContractSummary(
        id=stored.id,
        reference=c.reference,
        customer_id=c.customer_id,
        customer_name=c.customer_name,
        currency=c.currency,
        start=c.start,
        end=c.end,
        transaction_price=Decimal(c.transaction_price.amount),
        total_consideration=Decimal(schedule_.total_consideration.amount),
        recognised_to_date=Decimal(schedule_.recognised_through(today).amount),
        modifications=len(stored.modifications),
        created_at=stored.created_at,
        created_by=stored.created_by,
    )


def contract_detail(stored: StoredContract, today: dt.date) -> ContractDetail:
    schedule_ = stored.schedule()
    summary = contract_summary(stored, today)
    return ContractDetail(
        **summary.model_dump(),
        segments=[
            SegmentOut(
                start=s.start,
                end=s.end,
                consideration=Decimal(s.consideration.amount),
                allocation=[
                    AllocationLineOut(
                        obligation=line.name,
                        ssp=Decimal(line.ssp.amount),
                        allocated=Decimal(line.allocated.amount),
                    )
                    for line in s.allocation.lines
                ],
            )
            for s in schedule_.segments
        ],
        schedule=[
            ScheduleRowOut(
                obligation=row.obligation,
                month=row.month.strftime("%Y-%m"),
                amount=Decimal(row.amount.amount),
            )
            for row in schedule_.rows
        ],
    )


__all__ = ["contract_detail", "contract_summary", "deferred", "next_month", "schedule"]
