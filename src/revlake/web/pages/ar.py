"""Dashboard pages of receivables: aging (table and stacked bars by month), DSO chart,
the aging by customer and the overdue list (both paged, each with a CSV download of the
whole list: `revlake.web.listing`), with a form to add a collection note to an invoice.

Finance and admin roles only (Area.AR). Numbers come from the same library as the API
and CLI (`revlake.finance.receivables`). The note form POSTs with the session cookie,
which is SameSite=Strict, so a form on another site cannot post with it; the handler also
refuses a request whose Origin header names another host. After a note it redirects
(POST → 303 → GET) back to the overdue list.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from revlake.api.deps import ContextDep
from revlake.errors import InputError
from revlake.finance import receivables as ar
from revlake.queries import ar as ar_data
from revlake.queries import precompute
from revlake.queries.params import PageParams
from revlake.reader import Build
from revlake.schemas.ar import ArAging, ArAgingRow, ArInvoice, ArInvoicePage
from revlake.store.actors import web_actor
from revlake.store.collections import MAX_TEXT, NoteInput, NoteStatus, latest_notes
from revlake.store.roles import Area
from revlake.web.common import NavEntry, PageSnapshot, WebPrincipal, render, require
from revlake.web.figures import ar as ar_figures
from revlake.web.listing import Column, PagingDep, all_rows, csv_response, pager, unit

NAV: tuple[NavEntry, ...] = (("/finance/ar", "Receivables", Area.AR),)

router = APIRouter(include_in_schema=False)

AGING_COLUMNS: tuple[tuple[str, str], ...] = (
    ("current", "Current"),
    ("days_1_30", "1–30 days"),
    ("days_31_60", "31–60 days"),
    ("days_61_90", "61–90 days"),
    ("days_91_120", "91–120 days"),
    ("days_over_120", "120+ days"),
)
"""(bucket field, heading) of the per-customer aging's CSV columns."""


@router.get("/finance/ar")
async def ar_page(
    request: Request,
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    paging: PagingDep,
    as_of: Annotated[date | None, Query()] = None,
) -> HTMLResponse:
    require(principal, Area.AR)
    aging = await run_in_threadpool(_aging, snapshot, as_of)
    months = await run_in_threadpool(ar.monthly_aging, snapshot)
    currency = aging.reporting_currency
    charts = snapshot.memo(
        ("web-ar-charts",),
        lambda: (
            ar_figures.aging_stacked_bars(months, currency),
            ar_figures.dso_line(months),
        ),
    )
    recent = list(reversed(months[-12:]))
    # the per-customer aging (one row per customer with an open invoice: 2,000 on the demo
    # company) is paged like the other long lists, with a CSV download of all of it
    customers = aging.by_customer or []
    window = paging.params
    shown = customers[window.offset : window.offset + window.limit]
    customers_pager = pager(
        request, paging, len(customers), len(shown), "/finance/ar/customers.csv"
    )
    return render(
        request,
        "ar.html",
        principal,
        snapshot,
        aging=aging,
        customers=shown,
        pager=customers_pager,
        months=recent,
        aging_chart=charts[0],
        dso_chart=charts[1],
        status_code=customers_pager.status,
    )


def _bucket(key: str) -> Callable[[ArAgingRow], object]:
    """A CSV cell getter: one aging bucket of a row."""
    return lambda r: getattr(r.buckets, key)


def _aging(snapshot: Build, as_of: date | None) -> ArAging:
    """The aging with its per-customer rows; the default view (the latest day) is stored
    at publish (`revlake.queries.precompute`)."""
    aging = precompute.answer(
        snapshot,
        precompute.ar_aging_key(as_of, True),
        ArAging,
        lambda: ar_data.aging(snapshot, as_of, True),
    )
    assert aging is not None  # aging answers a report or raises
    return aging


@router.get("/finance/ar/customers.csv")
async def ar_customers_csv(
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    as_of: Annotated[date | None, Query()] = None,
) -> StreamingResponse:
    """The Receivables page's aging by customer on its as-of date, every customer."""
    require(principal, Area.AR)
    aging = await run_in_threadpool(_aging, snapshot, as_of)
    rows = aging.by_customer or []
    money = unit(r.currency for r in rows)
    columns: list[Column[ArAgingRow]] = [
        Column("Customer", lambda r: r.customer_name or r.customer_id),
        Column("Customer id", lambda r: r.customer_id),
        Column("Currency", lambda r: r.currency),
        *(Column(f"{label} ({money})", _bucket(key)) for key, label in AGING_COLUMNS),
        Column(f"Total ({money})", lambda r: r.total),
        Column(f"Overdue ({money})", lambda r: r.overdue),
        Column("Open invoices", lambda r: r.invoices),
        Column("Overdue invoices", lambda r: r.overdue_invoices),
    ]
    return csv_response(
        rows,
        columns,
        tenant=principal.tenant_id,
        build=snapshot.name,
        name="customer-aging",
        day=aging.as_of,
    )


@router.get("/finance/ar/overdue")
async def ar_overdue_page(
    request: Request,
    context: ContextDep,
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    paging: PagingDep,
    as_of: Annotated[date | None, Query()] = None,
    noted: Annotated[str | None, Query(max_length=100)] = None,
    error: Annotated[str | None, Query(max_length=500)] = None,
) -> HTMLResponse:
    require(principal, Area.AR)
    found = await run_in_threadpool(
        ar_data.invoices, snapshot, as_of, "overdue", None, None, paging.params
    )

    def read_notes() -> dict[str, tuple[str, str]]:
        with context.store.read() as session:
            latest = latest_notes(session, tenant_id=principal.tenant_id)
            return {k: (n.status, n.text) for k, n in latest.items()}

    notes = await run_in_threadpool(read_notes)
    noted_label = (
        await run_in_threadpool(_invoice_label, snapshot, found.items, found.as_of, noted)
        if noted
        else None
    )
    overdue_pager = pager(request, paging, found.total, len(found.items), "/finance/ar/overdue.csv")
    return render(
        request,
        "ar_overdue.html",
        principal,
        snapshot,
        as_of=found.as_of,
        items=found.items,
        total=found.total,
        pager=overdue_pager,
        notes=notes,
        statuses=[s.value for s in NoteStatus],
        max_text=MAX_TEXT,
        noted=noted,
        noted_label=noted_label,
        error=error,
        status_code=overdue_pager.status,
    )


def _invoice_label(
    snapshot: Build, shown: list[ArInvoice], as_of: date, invoice_id: str
) -> str | None:
    """How a person knows the invoice a note was just added to: "invoice INV-1042 (Acme
    Ltd)", from the rows shown or else the overdue invoices of the day (the note may be on
    another page); None when neither has it (the notice then names no invoice)."""
    found = next((i for i in shown if i.invoice_id == invoice_id), None)
    if found is None:
        overdue = ar.open_invoices(snapshot, as_of, status="overdue", customer=None)
        match = next((i for i in overdue if i.invoice_id == invoice_id), None)
        found = ar_data.invoice_out(match) if match else None
    if found is None:
        return None
    label = f"invoice {found.invoice_number}" if found.invoice_number else "the invoice"
    return f"{label} ({found.customer_name})" if found.customer_name else label


@router.get("/finance/ar/overdue.csv")
async def ar_overdue_csv(
    context: ContextDep,
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    as_of: Annotated[date | None, Query()] = None,
) -> StreamingResponse:
    """Every overdue invoice of the overdue page's date, with its latest collection note."""
    require(principal, Area.AR)

    def fetch() -> tuple[date, list[ArInvoice], dict[str, tuple[str, str]]]:
        days: list[date] = []

        def page(params: PageParams) -> ArInvoicePage:
            found = ar_data.invoices(snapshot, as_of, "overdue", None, None, params)
            days.append(found.as_of)
            return found

        rows = all_rows(page)
        with context.store.read() as session:
            latest = latest_notes(session, tenant_id=principal.tenant_id)
            notes = {k: (n.status, n.text) for k, n in latest.items()}
        return days[0], rows, notes

    day, rows, notes = await run_in_threadpool(fetch)
    money = unit(i.currency for i in rows)

    def note(i: ArInvoice) -> str | None:
        found = notes.get(i.invoice_id)
        return f"{found[0]}: {found[1]}" if found else None

    columns: list[Column[ArInvoice]] = [
        Column("Invoice", lambda i: i.invoice_number or i.invoice_id),
        Column("Customer", lambda i: i.customer_name or i.customer_id),
        Column("Contact", lambda i: i.customer_email),
        Column("Invoice date", lambda i: i.invoice_date),
        Column("Due date", lambda i: i.due_date),
        Column("Days late (days)", lambda i: i.days_past_due),
        Column("Currency", lambda i: i.currency),
        Column(f"Amount due ({money})", lambda i: i.amount_due),
        Column(f"Open balance ({money})", lambda i: i.open_balance),
        Column("Uncollectible", lambda i: i.is_uncollectible),
        Column("Last attempt (UTC)", lambda i: i.last_attempt_at),
        Column("Last attempt status", lambda i: i.last_attempt_status),
        Column("Last failure", lambda i: i.last_failure_message),
        Column("Latest note", note),
    ]
    return csv_response(
        rows,
        columns,
        tenant=principal.tenant_id,
        build=snapshot.name,
        name="overdue-invoices",
        day=day,
    )


def _same_origin(request: Request) -> bool:
    """False when the browser says the form came from another host (Origin header)."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.url.netloc


@router.post("/finance/ar/invoices/{invoice_id}/notes")
async def ar_add_note(
    request: Request,
    context: ContextDep,
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    invoice_id: str,
    status: Annotated[str, Form(max_length=20)],
    text: Annotated[str, Form(max_length=MAX_TEXT)] = "",
    promised_date: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    require(principal, Area.AR)
    if not _same_origin(request):
        raise HTTPException(status_code=403, detail="cross-site form post refused")
    back = "/finance/ar/overdue"
    try:
        promised = date.fromisoformat(promised_date) if promised_date.strip() else None
    except ValueError:
        message = f"promised date: expected YYYY-MM-DD, got {promised_date!r}"
        return RedirectResponse(f"{back}?error={quote(message)}", status_code=303)
    note = NoteInput(invoice_id=invoice_id, status=status, text=text, promised_date=promised)

    def write() -> None:
        ar.add_collection_note(
            context.store,
            snapshot,
            tenant_id=principal.tenant_id,
            note=note,
            author=web_actor(principal.key_id),
        )

    try:
        await run_in_threadpool(write)
    except ar.UnknownInvoiceError:
        raise  # NotFound: a 404 page, mapped once with every domain error
    except InputError as exc:
        return RedirectResponse(f"{back}?error={quote(str(exc))}", status_code=303)
    return RedirectResponse(f"{back}?noted={quote(invoice_id)}", status_code=303)
