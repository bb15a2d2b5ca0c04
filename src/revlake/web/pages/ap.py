"""Dashboard pages of payables and the bank: AP aging (table and chart), open bills, and
the bank reconciliation (counts, ambiguous and unmatched lists). The open bills and the
bank page's three lists (ambiguous lines, unmatched bank lines, unmatched payments) are
paged, each list on its own, each with a CSV download of the whole list
(`revlake.web.listing`).

Finance and admin roles only (Area.AP). They read the same functions as the API
(`revlake.queries.ap`), so the pages and /api/v1/ap show the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, StreamingResponse

from revlake.api.deps import ContextDep
from revlake.finance.reconciliation import DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS
from revlake.queries import ap, precompute
from revlake.queries.params import PageParams
from revlake.schemas.ap import (
    ApBill,
    ApBillPage,
    BankAmbiguousOut,
    BankLineOut,
    BankReconciliation,
    CashPaymentOut,
)
from revlake.store.roles import Area
from revlake.web.common import NavEntry, PageSnapshot, WebPrincipal, render, require
from revlake.web.figures import ap as ap_figures
from revlake.web.listing import (
    Column,
    ListPaging,
    Paging,
    PagingDep,
    all_rows,
    csv_response,
    pager,
    unit,
)

LINES_SHOWN = precompute.BANK_LINES_SHOWN
"""Entries per list of the Bank page's stored default view (stored at publish): a page of a
list inside its first 100 is read from it, a page past them from the query's own window."""

AmbiguousPagingDep = Annotated[Paging, Depends(ListPaging("ambiguous_"))]
"""The Bank page's ambiguous lines: `ambiguous_page`, `ambiguous_per_page`."""
PaymentsPagingDep = Annotated[Paging, Depends(ListPaging("payments_"))]
"""The Bank page's unmatched payments: `payments_page`, `payments_per_page` (the unmatched
bank lines keep the plain `page`, `per_page`)."""

Entry = TypeVar("Entry")

NAV: tuple[NavEntry, ...] = (
    ("/finance/ap", "Payables", Area.AP),
    ("/finance/bank", "Bank", Area.AP),
)

router = APIRouter(include_in_schema=False)


@router.get("/finance/ap")
async def ap_page(
    request: Request,
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    paging: PagingDep,
    as_of: Annotated[date | None, Query()] = None,
) -> HTMLResponse:
    require(principal, Area.AP)
    aging = await run_in_threadpool(ap.ap_aging, snapshot, as_of)
    bills = await run_in_threadpool(ap.ap_bills, snapshot, "open", None, aging.as_of, paging.params)
    chart = snapshot.memo(("web-ap-aging", aging.as_of), lambda: ap_figures.ap_aging_bars(aging))
    bills_pager = pager(request, paging, bills.total, len(bills.items), "/finance/ap/bills.csv")
    return render(
        request,
        "ap.html",
        principal,
        snapshot,
        aging=aging,
        bills=bills,
        chart=chart,
        pager=bills_pager,
        status_code=bills_pager.status,
    )


@router.get("/finance/ap/bills.csv")
async def ap_bills_csv(
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    as_of: Annotated[date | None, Query()] = None,
) -> StreamingResponse:
    """Every open bill of the Payables page on its as-of date."""
    require(principal, Area.AP)

    def fetch() -> tuple[date, list[ApBill]]:
        first: list[ApBillPage] = []

        def page(params: PageParams) -> ApBillPage:
            found = ap.ap_bills(snapshot, "open", None, as_of, params)
            first.append(found)
            return found

        rows = all_rows(page)
        return first[0].as_of, rows

    day, rows = await run_in_threadpool(fetch)
    money = unit(b.currency for b in rows)
    columns: list[Column[ApBill]] = [
        Column("Bill", lambda b: b.bill_number),
        Column("Vendor", lambda b: b.vendor_name),
        Column("Bill date", lambda b: b.bill_date),
        Column("Due date", lambda b: b.due_date),
        Column("Currency", lambda b: b.currency),
        Column(f"Total ({money})", lambda b: b.total),
        Column(f"Open balance ({money})", lambda b: b.open_balance),
        Column("Days past due (days)", lambda b: b.days_past_due),
        Column("Aging bucket (days past due)", lambda b: b.aging_bucket),
        Column("Status", lambda b: b.status),
    ]
    return csv_response(
        rows, columns, tenant=principal.tenant_id, build=snapshot.name, name="open-bills", day=day
    )


@router.get("/finance/bank")
async def bank_page(
    request: Request,
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    context: ContextDep,
    paging: PagingDep,
    ambiguous_paging: AmbiguousPagingDep,
    payments_paging: PaymentsPagingDep,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: Annotated[date | None, Query()] = None,
    window_days: Annotated[int, Query(ge=0, le=MAX_WINDOW_DAYS)] = DEFAULT_WINDOW_DAYS,
) -> HTMLResponse:
    """The reconciliation's counts and its three lists, each paged on its own: the
    unmatched bank lines (`page`, `per_page`), the ambiguous lines (`ambiguous_page`, ...)
    and the unmatched payments (`payments_page`, ...)."""
    require(principal, Area.AP)

    def compute() -> tuple[
        BankReconciliation, list[BankAmbiguousOut], list[BankLineOut], list[CashPaymentOut]
    ]:
        with context.store.read() as session:
            resolutions, stamp = ap.stored_resolutions(session, principal.tenant_id)
        # the default view is stored at publish, per version of the resolutions
        shown = precompute.answer(
            snapshot,
            precompute.bank_key(from_, to, window_days, LINES_SHOWN, stamp),
            BankReconciliation,
            lambda: ap.bank_reconciliation(
                snapshot, from_, to, window_days, LINES_SHOWN, resolutions, stamp
            ),
        )
        assert shown is not None  # bank_reconciliation answers or raises
        window = (snapshot, from_, to, window_days, LINES_SHOWN, resolutions, stamp)
        # each list's page: from the stored view when it holds it, else the query's own
        # window of that list alone (so paging one list reads no other list's window)
        ambiguous = _page_of(
            shown.ambiguous,
            ambiguous_paging,
            lambda w: ap.bank_reconciliation(*window, ambiguous=w).ambiguous,
        )
        lines = _page_of(
            shown.unmatched_bank_lines,
            paging,
            lambda w: ap.bank_reconciliation(*window, lines=w).unmatched_bank_lines,
        )
        payments = _page_of(
            shown.unmatched_payments,
            payments_paging,
            lambda w: ap.bank_reconciliation(*window, payments=w).unmatched_payments,
        )
        return shown, ambiguous, lines, payments

    result, ambiguous, lines, payments = await run_in_threadpool(compute)
    counts = result.counts
    ambiguous_pager = pager(
        request, ambiguous_paging, counts.ambiguous, len(ambiguous), "/finance/bank/ambiguous.csv"
    )
    lines_pager = pager(
        request, paging, counts.unmatched_bank_lines, len(lines), "/finance/bank/unmatched.csv"
    )
    payments_pager = pager(
        request,
        payments_paging,
        counts.unmatched_payments,
        len(payments),
        "/finance/bank/unmatched-payments.csv",
    )
    statuses = sorted({p.status for p in (ambiguous_pager, lines_pager, payments_pager)} - {200})
    return render(
        request,
        "bank.html",
        principal,
        snapshot,
        result=result,
        ambiguous=ambiguous,
        unmatched=lines,
        payments=payments,
        ambiguous_pager=ambiguous_pager,
        pager=lines_pager,
        payments_pager=payments_pager,
        date_from=from_,
        date_to=to,
        # a bad page number (400) outranks a page past the end (404)
        status_code=statuses[0] if statuses else 200,
    )


def _page_of(
    stored: Sequence[Entry],
    paging: Paging,
    fetch: Callable[[PageParams], Sequence[Entry]],
) -> list[Entry]:
    """The page `paging` asks for of one of the Bank page's lists: a slice of the stored
    default view's first `LINES_SHOWN` when it lies inside them, else `fetch` of it."""
    window = paging.params
    if window.offset + window.limit <= LINES_SHOWN:
        return list(stored[window.offset : window.offset + window.limit])
    return list(fetch(window))


@dataclass(frozen=True)
class BankView:
    """What the Bank page and its CSV downloads reconcile: bank lines from/to (dates, both
    optional) matched within `window_days` of a payment."""

    from_: date | None
    to: date | None
    window_days: int


def bank_view(
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: Annotated[date | None, Query()] = None,
    window_days: Annotated[int, Query(ge=0, le=MAX_WINDOW_DAYS)] = DEFAULT_WINDOW_DAYS,
) -> BankView:
    return BankView(from_, to, window_days)


BankViewDep = Annotated[BankView, Depends(bank_view)]


async def whole_reconciliation(
    principal: WebPrincipal, snapshot: PageSnapshot, context: ContextDep, view: BankViewDep
) -> BankReconciliation:
    """The Bank page's reconciliation with every entry of every list (the CSV downloads),
    for a role that may see payables: its counts first, then the limit that holds the
    longest list."""
    require(principal, Area.AP)

    def compute() -> BankReconciliation:
        with context.store.read() as session:
            resolutions, stamp = ap.stored_resolutions(session, principal.tenant_id)
        window = (snapshot, view.from_, view.to, view.window_days)
        counts = ap.bank_reconciliation(*window, LINES_SHOWN, resolutions, stamp).counts
        every = max(
            LINES_SHOWN, counts.ambiguous, counts.unmatched_bank_lines, counts.unmatched_payments
        )
        return ap.bank_reconciliation(*window, every, resolutions, stamp)

    return await run_in_threadpool(compute)


WholeReconciliationDep = Annotated[BankReconciliation, Depends(whole_reconciliation)]


def _line_columns(lines: list[BankLineOut]) -> list[Column[BankLineOut]]:
    money = unit(ln.currency for ln in lines)
    return [
        Column("Date", lambda ln: ln.date),
        Column("Currency", lambda ln: ln.currency),
        Column(f"Amount ({money})", lambda ln: ln.amount),
        Column("Description", lambda ln: ln.description),
        Column("Reference", lambda ln: ln.reference),
        Column("Counterparty", lambda ln: ln.counterparty),
        Column("Bank transaction", lambda ln: ln.transaction_id),
    ]


@router.get("/finance/bank/unmatched.csv")
async def bank_unmatched_csv(
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    view: BankViewDep,
    whole: WholeReconciliationDep,
) -> StreamingResponse:
    """Every unmatched bank line of the Bank page with its dates and window."""
    rows = whole.unmatched_bank_lines
    return csv_response(
        rows,
        _line_columns(rows),
        tenant=principal.tenant_id,
        build=snapshot.name,
        name="unmatched-bank-lines",
        day=view.to or snapshot_day(rows),
    )


def _candidate(p: CashPaymentOut) -> str:
    document = p.document_number or "without a document"
    party = f", {p.counterparty}" if p.counterparty else ""
    return f"{p.payment_kind} {p.payment_id} {document} ({p.date.isoformat()}{party})"


@router.get("/finance/bank/ambiguous.csv")
async def bank_ambiguous_csv(
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    view: BankViewDep,
    whole: WholeReconciliationDep,
) -> StreamingResponse:
    """Every ambiguous bank line of the Bank page, its candidate payments in one cell
    ("; " between them)."""
    rows = whole.ambiguous
    money = unit(a.bank_line.currency for a in rows)
    columns: list[Column[BankAmbiguousOut]] = [
        Column("Date", lambda a: a.bank_line.date),
        Column("Currency", lambda a: a.bank_line.currency),
        Column(f"Amount ({money})", lambda a: a.bank_line.amount),
        Column("Reference", lambda a: a.bank_line.reference),
        Column("Description", lambda a: a.bank_line.description),
        Column("Bank transaction", lambda a: a.bank_line.transaction_id),
        Column("Score (0-1)", lambda a: a.score),
        Column("Candidates", lambda a: "; ".join(_candidate(c) for c in a.candidates)),
    ]
    return csv_response(
        rows,
        columns,
        tenant=principal.tenant_id,
        build=snapshot.name,
        name="ambiguous-bank-lines",
        day=view.to or snapshot_day([a.bank_line for a in rows]),
    )


@router.get("/finance/bank/unmatched-payments.csv")
async def bank_unmatched_payments_csv(
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    view: BankViewDep,
    whole: WholeReconciliationDep,
) -> StreamingResponse:
    """Every payment of the Bank page's reconciliation that no bank line matched."""
    rows = whole.unmatched_payments
    money = unit(p.currency for p in rows)
    columns: list[Column[CashPaymentOut]] = [
        Column("Date", lambda p: p.date),
        Column("Kind", lambda p: p.payment_kind),
        Column("Currency", lambda p: p.currency),
        Column(f"Amount ({money})", lambda p: p.amount),
        Column("Document", lambda p: p.document_number),
        Column("Counterparty", lambda p: p.counterparty),
        Column("Payment", lambda p: p.payment_id),
    ]
    return csv_response(
        rows,
        columns,
        tenant=principal.tenant_id,
        build=snapshot.name,
        name="unmatched-payments",
        day=view.to or max((p.date for p in rows), default=date.today()),
    )


def snapshot_day(lines: list[BankLineOut]) -> date:
    """The date a bank list runs to: its last line's (today when it is empty)."""
    return max((ln.date for ln in lines), default=date.today())
