"""Receivables readers for the API: aging, open/overdue invoices, DSO, collection notes.

Thin adapters from `revlake.finance.receivables` (the library the CLI and tests use) to
the response schemas of `revlake.schemas.ar`; sorting and paging of invoice lists.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from sqlalchemy.orm import Session

from revlake.finance import receivables as ar
from revlake.queries.params import PageParams, order_by, page_of
from revlake.reader import Build
from revlake.schemas.ar import (
    ArAging,
    ArAgingRow,
    ArBuckets,
    ArDso,
    ArInvoice,
    ArInvoicePage,
    CollectionNoteOut,
    CollectionNotes,
    DsoMonth,
)
from revlake.store.collections import CollectionNote, list_notes

InvoiceStatus = Literal["open", "overdue"]

INVOICE_SORT: dict[str, str] = {
    "days_past_due": "days_past_due",
    "open_balance": "open_balance",
    "due_date": "due_date",
    "invoice_date": "invoice_date",
    "customer_name": "customer_name",
    "customer_id": "customer_id",
    "invoice_id": "invoice_id",
}
DEFAULT_SORT = "-days_past_due,invoice_date"


def _buckets(row: ar.AgingRow) -> ArBuckets:
    b = row.buckets
    return ArBuckets(
        current=b["current"],
        days_1_30=b["1-30"],
        days_31_60=b["31-60"],
        days_61_90=b["61-90"],
        days_91_120=b["91-120"],
        days_over_120=b["120+"],
    )


def _aging_row(row: ar.AgingRow) -> ArAgingRow:
    return ArAgingRow(
        currency=row.currency,
        customer_id=row.customer_id,
        customer_name=row.customer_name,
        invoices=row.invoices,
        overdue_invoices=row.overdue_invoices,
        total=row.total,
        overdue=row.overdue,
        buckets=_buckets(row),
    )


def aging_out(report: ar.AgingReport) -> ArAging:
    """The aging report in its one published shape (API and `revlake ar aging --json`)."""
    return ArAging(
        as_of=report.as_of,
        reporting_currency=report.reporting_currency,
        total=_aging_row(report.total_rc),
        by_currency=[_aging_row(r) for r in report.by_currency],
        by_customer=None
        if report.by_customer is None
        else [_aging_row(r) for r in report.by_customer],
        missing_rates=list(report.missing_rates),
    )


def aging_report_dict(report: ar.AgingReport) -> dict[str, Any]:
    """The aging report as JSON data: exactly what `GET /api/v1/ar/aging` answers."""
    return aging_out(report).model_dump(mode="json")


def aging(snapshot: Build, as_of: date | None, by_customer: bool) -> ArAging:
    """Aging buckets on `as_of` (default: the last balance event in the data)."""
    return aging_out(ar.aging(snapshot, as_of, by_customer=by_customer))


def overdue_dict(as_of: date, items: list[ar.OpenInvoice]) -> dict[str, Any]:
    """Overdue invoices as JSON data, each in the shape of the API's invoice list items."""
    return {
        "as_of": as_of.isoformat(),
        "items": [invoice_out(i).model_dump(mode="json") for i in items],
    }


def invoice_out(inv: ar.OpenInvoice) -> ArInvoice:
    return ArInvoice(
        invoice_id=inv.invoice_id,
        invoice_number=inv.invoice_number,
        customer_id=inv.customer_id,
        customer_name=inv.customer_name,
        customer_email=inv.customer_email,
        currency=inv.currency,
        invoice_date=inv.invoice_date,
        due_date=inv.due_date,
        amount_due=inv.amount_due,
        open_balance=inv.open_balance,
        days_past_due=inv.days_past_due,
        aging_bucket=inv.aging_bucket,
        is_uncollectible=inv.is_uncollectible,
        last_payment_date=inv.last_payment_date,
        last_attempt_at=inv.last_attempt_at,
        last_attempt_status=inv.last_attempt_status,
        last_failure_code=inv.last_failure_code,
        last_failure_message=inv.last_failure_message,
    )


def _sorted(items: list[ar.OpenInvoice], sort: str | None) -> list[ar.OpenInvoice]:
    """Stable multi-key sort from an allow-listed spec ("field,-other"), nulls last.

    The spec is checked by `order_by` (the same allow-list rule and message as every
    list endpoint); the invoices are already in memory, so they are sorted here.
    """
    order_by(sort, INVOICE_SORT, DEFAULT_SORT)
    spec = [s.strip() for s in (sort or DEFAULT_SORT).split(",") if s.strip()]
    result = sorted(items, key=lambda inv: inv.invoice_id)
    for raw in reversed(spec):
        attribute = INVOICE_SORT[raw.removeprefix("-").removeprefix("+")]
        present = [i for i in result if getattr(i, attribute) is not None]
        missing = [i for i in result if getattr(i, attribute) is None]
        present.sort(key=lambda inv: getattr(inv, attribute), reverse=raw.startswith("-"))
        result = present + missing
    return result


def invoices(
    snapshot: Build,
    as_of: date | None,
    status: InvoiceStatus,
    customer: str | None,
    sort: str | None,
    page: PageParams,
) -> ArInvoicePage:
    """Open (or overdue) invoices on `as_of`, sorted and paged."""
    day = ar.resolve_as_of(snapshot, as_of)
    open_now = snapshot.memo(  # every page of the list and each sort reads the same rows
        ("ar-open-invoices", day, status, customer),
        lambda: ar.open_invoices(snapshot, day, status=status, customer=customer),
    )
    found = _sorted(open_now, sort)
    chunk = found[page.offset : page.offset + page.limit]
    rows = [{"invoice_id": inv.invoice_id} for inv in chunk]
    return ArInvoicePage(
        items=[invoice_out(inv) for inv in chunk],
        as_of=day,
        **page_of(rows, len(found), page),
    )


def dso(snapshot: Build, start: date | None, end: date | None) -> ArDso:
    """Monthly DSO in the reporting currency between two months (inclusive)."""
    points = ar.dso(snapshot, start, end)
    return ArDso(
        currency=ar.reporting_currency(snapshot),
        items=[
            DsoMonth(
                month_end=p.month_end,
                days_in_period=p.days_in_period,
                receivables=p.receivables,
                billed=p.billed,
                dso_days=None if p.dso_days is None else float(p.dso_days),
                overdue_invoices=p.overdue_invoices,
                overdue_amount=p.overdue_amount,
            )
            for p in points
        ],
    )


def note_out(note: CollectionNote) -> CollectionNoteOut:
    return CollectionNoteOut(
        id=note.number,
        invoice_id=note.invoice_id,
        customer_id=note.customer_id,
        status=note.status,
        text=note.text,
        promised_date=note.promised_date,
        author=note.author,
        created_at=note.created_at,
    )


def notes(session: Session, tenant_id: str, invoice_id: str) -> CollectionNotes:
    """Every note of one invoice of the tenant, oldest first."""
    return CollectionNotes(
        invoice_id=invoice_id,
        items=[
            note_out(n) for n in list_notes(session, tenant_id=tenant_id, invoice_id=invoice_id)
        ],
    )
