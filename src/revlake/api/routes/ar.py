"""Receivables: aging, open and overdue invoices, DSO, and collection notes.

Finance and admin keys only (Area.AR). Reports are read from the tenant's published
snapshot (memoised per snapshot); collection notes live in the operational store, and
adding one is appended to the audit log in the same transaction.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from fastapi.concurrency import run_in_threadpool

from revlake.api.deps import ContextDep, PageDep, PrincipalDep, RoleDep, SnapshotDep, TenantDep
from revlake.api.routes import json_from_snapshot
from revlake.errors import NotFound
from revlake.finance import receivables as ar
from revlake.queries import ar as data
from revlake.queries.params import IsoDate
from revlake.schemas.ar import (
    ArAging,
    ArDso,
    ArInvoicePage,
    CollectionNoteIn,
    CollectionNoteOut,
    CollectionNotes,
)
from revlake.store.actors import api_actor
from revlake.store.collections import NoteInput
from revlake.store.roles import Area

router = APIRouter(tags=["ar"], dependencies=[RoleDep(Area.AR)])

AsOfQuery = Annotated[
    IsoDate | None,
    Query(description="YYYY-MM-DD; default: the last balance event in the data"),
]
InvoiceIdPath = Annotated[str, Path(min_length=1, max_length=100, description="Invoice id")]


@router.get(
    "/ar/aging",
    response_model=ArAging,
    summary="Receivables aging on a date: open balances by bucket, currency and customer",
)
async def get_ar_aging(
    snapshot: SnapshotDep,
    as_of: AsOfQuery = None,
    by_customer: Annotated[bool, Query(description="Add one row per customer")] = False,
) -> Response:
    return await json_from_snapshot(
        snapshot,
        ("ar-aging", as_of, by_customer),
        lambda: data.aging(snapshot, as_of, by_customer),
    )


@router.get(
    "/ar/invoices",
    response_model=ArInvoicePage,
    summary="Invoices with an open balance on a date (or only the overdue ones)",
    description="Sortable by: " + ", ".join(sorted(data.INVOICE_SORT)) + ".",
)
async def get_ar_invoices(
    snapshot: SnapshotDep,
    page: PageDep,
    as_of: AsOfQuery = None,
    status: Annotated[
        data.InvoiceStatus, Query(description="open (default) or overdue (past due date)")
    ] = "open",
    customer: Annotated[str | None, Query(max_length=100, description="Customer id")] = None,
    sort: Annotated[str | None, Query(max_length=200, description="e.g. -open_balance")] = None,
) -> Response:
    return await json_from_snapshot(
        snapshot,
        ("ar-invoices", as_of, status, customer, sort, page),
        lambda: data.invoices(snapshot, as_of, status, customer, sort, page),
    )


@router.get(
    "/ar/overdue",
    response_model=ArInvoicePage,
    summary="Overdue invoices on a date, most days late first, with contact and last attempt",
)
async def get_ar_overdue(snapshot: SnapshotDep, page: PageDep, as_of: AsOfQuery = None) -> Response:
    return await json_from_snapshot(
        snapshot,
        ("ar-overdue", as_of, page),
        lambda: data.invoices(snapshot, as_of, "overdue", None, None, page),
    )


@router.get(
    "/ar/dso",
    response_model=ArDso,
    summary="Monthly DSO: receivables ÷ revenue billed in the month × days in the month",
)
async def get_ar_dso(
    snapshot: SnapshotDep,
    from_: Annotated[
        IsoDate | None, Query(alias="from", description="First month (any day)")
    ] = None,
    to: Annotated[IsoDate | None, Query(description="Last month (any day)")] = None,
) -> Response:
    return await json_from_snapshot(
        snapshot, ("ar-dso", from_, to), lambda: data.dso(snapshot, from_, to)
    )


def _require_invoice(snapshot: SnapshotDep, invoice_id: str) -> None:
    if ar.find_invoice(snapshot, invoice_id) is None:
        raise NotFound(f"no invoice {invoice_id!r}")


@router.get(
    "/ar/invoices/{invoice_id}/notes",
    response_model=CollectionNotes,
    summary="Collection notes of one invoice, oldest first",
)
def get_ar_notes(
    context: ContextDep, tenant: TenantDep, snapshot: SnapshotDep, invoice_id: InvoiceIdPath
) -> CollectionNotes:
    _require_invoice(snapshot, invoice_id)
    with context.store.read() as session:
        return data.notes(session, tenant, invoice_id)


@router.post(
    "/ar/invoices/{invoice_id}/notes",
    response_model=CollectionNoteOut,
    status_code=201,
    summary="Add a collection note to an invoice (audited as ar_note.created)",
)
async def post_ar_note(
    context: ContextDep,
    principal: PrincipalDep,
    snapshot: SnapshotDep,
    invoice_id: InvoiceIdPath,
    body: CollectionNoteIn,
) -> CollectionNoteOut:
    note = NoteInput(
        invoice_id=invoice_id,
        status=body.status,
        text=body.text,
        promised_date=body.promised_date,
    )

    def write() -> CollectionNoteOut:
        stored = ar.add_collection_note(
            context.store,
            snapshot,
            tenant_id=principal.tenant_id,
            note=note,
            author=api_actor(principal.key_id),
        )
        return data.note_out(stored)

    return await run_in_threadpool(write)
