"""Dashboard pages of revenue recognition: the deferred revenue roll-forward (chart and
table), the customers' deferred balances (paged, named, with a CSV download of the whole
list: `revlake.web.listing`), the contracts entered by finance, and each contract's
allocation and recognition schedule (table and stacked bars by obligation).

Finance and admin roles only (Area.REVENUE_SCHEDULES). They read the same functions as
the API (`revlake.queries.revrec`), so the pages and /api/v1/revrec show the same numbers.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, StreamingResponse

from revlake.api.deps import ContextDep
from revlake.finance import contract_store
from revlake.queries import revrec as data
from revlake.queries.customers import customer_names
from revlake.queries.params import PageParams
from revlake.queries.revenue import reporting_currency
from revlake.schemas.common import Page
from revlake.schemas.revrec import ContractDetail, ContractSummary, DeferredCustomer
from revlake.store.roles import Area
from revlake.web.common import NavEntry, PageSnapshot, WebPrincipal, render, require
from revlake.web.figures import revrec as revrec_figures
from revlake.web.listing import Column, PagingDep, all_rows, csv_response, pager, unit

NAV: tuple[NavEntry, ...] = (("/finance/revrec", "Revenue recognition", Area.REVENUE_SCHEDULES),)

router = APIRouter(include_in_schema=False)


@router.get("/finance/revrec")
async def revrec_page(
    request: Request,
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    context: ContextDep,
    paging: PagingDep,
    as_of: Annotated[dt.date | None, Query()] = None,
    currency: Annotated[str | None, Query(max_length=3)] = None,
) -> HTMLResponse:
    require(principal, Area.REVENUE_SCHEDULES)
    window = paging.params
    deferred = await run_in_threadpool(
        snapshot.memo,
        ("web-revrec-deferred", as_of, window),
        lambda: data.deferred(snapshot, as_of, window),
    )
    names = await run_in_threadpool(customer_names, snapshot)
    currencies = [t.currency for t in deferred.totals] or sorted(
        {m.currency for m in deferred.rollforward}
    )
    reporting = reporting_currency(snapshot)
    if currency is not None and currency.upper() in currencies:
        chosen = currency.upper()
    elif reporting in currencies or not currencies:
        chosen = reporting
    else:  # the reporting currency has no billing: show the largest balance's currency
        biggest = max(deferred.totals, key=lambda t: t.deferred, default=None)
        chosen = biggest.currency if biggest else currencies[0]
    chart = await run_in_threadpool(
        snapshot.memo,  # building a plotly figure is ≈ 10–30 ms: once per build and view
        ("web-revrec-chart", as_of, window, chosen),
        lambda: revrec_figures.rollforward_chart(deferred.rollforward, chosen),
    )
    today = dt.date.today()

    def contracts() -> list[ContractSummary]:
        with context.store.read() as session:
            stored = contract_store.list_contracts(session, principal.tenant_id)
        return [data.contract_summary(s, today) for s in stored]

    balances = deferred.customers
    balances_pager = pager(
        request, paging, balances.total, len(balances.items), "/finance/revrec/deferred.csv"
    )
    return render(
        request,
        "revrec.html",
        principal,
        snapshot,
        deferred=deferred,
        names=names,
        pager=balances_pager,
        currency=chosen,
        currencies=currencies,
        rollforward=[m for m in deferred.rollforward if m.currency == chosen],
        rollforward_chart=chart,
        contracts=await run_in_threadpool(contracts),
        status_code=balances_pager.status,
    )


@router.get("/finance/revrec/deferred.csv")
async def revrec_deferred_csv(
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    as_of: Annotated[dt.date | None, Query()] = None,
) -> StreamingResponse:
    """Every customer's deferred balance at the page's month end, largest first."""
    require(principal, Area.REVENUE_SCHEDULES)

    def fetch() -> tuple[dt.date, list[DeferredCustomer], dict[str, str]]:
        days: list[dt.date] = []

        def page(params: PageParams) -> Page[DeferredCustomer]:
            found = data.deferred(snapshot, as_of, params)
            days.append(found.as_of)
            return found.customers

        rows = all_rows(page)
        return days[0], rows, customer_names(snapshot)

    day, rows, names = await run_in_threadpool(fetch)
    money = unit(c.currency for c in rows)
    columns: list[Column[DeferredCustomer]] = [
        Column("Customer", lambda c: names.get(c.customer_id, c.customer_id)),
        Column("Customer id", lambda c: c.customer_id),
        Column("Currency", lambda c: c.currency),
        Column(f"Billed ({money})", lambda c: c.billed),
        Column(f"Credited ({money})", lambda c: c.credited),
        Column(f"Recognised ({money})", lambda c: c.recognised),
        Column(f"Deferred ({money})", lambda c: c.deferred),
    ]
    return csv_response(
        rows,
        columns,
        tenant=principal.tenant_id,
        build=snapshot.name,
        name="deferred-revenue",
        day=day,
    )


@router.get("/finance/revrec/contracts/{contract_id}")
async def revrec_contract_page(
    request: Request,
    principal: WebPrincipal,
    context: ContextDep,
    contract_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> HTMLResponse:
    require(principal, Area.REVENUE_SCHEDULES)

    def load() -> ContractDetail:
        # an unknown id raises ContractNotFoundError (NotFound): a 404 page, mapped once
        with context.store.read() as session:
            stored = contract_store.load_contract(session, principal.tenant_id, contract_id)
        return data.contract_detail(stored, dt.date.today())

    detail = await run_in_threadpool(load)
    obligations: list[str] = []
    for row in detail.schedule:
        if row.obligation not in obligations:
            obligations.append(row.obligation)
    cells = {(r.obligation, r.month): r.amount for r in detail.schedule}
    months = sorted({r.month for r in detail.schedule})
    return render(
        request,
        "revrec_contract.html",
        principal,
        None,
        contract=detail,
        obligations=obligations,
        months=months,
        cells=cells,
        schedule_chart=revrec_figures.contract_schedule_chart(detail.schedule, detail.currency),
    )
