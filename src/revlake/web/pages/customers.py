"""Dashboard pages of the customers resource: the list, customers at risk of churning, one
customer's MRR history, and one customer's churn drivers and lifetime value.

One module holds every `/customers` page, so the literal `/customers/at-risk` is declared
before the parametric `/customers/{customer_id}` and wins (the first matching route
answers). The pages read the same query functions as API v1 (`revlake.queries.customers`,
`revlake.queries.customer_intel`), so a page and the API show the same numbers. Both
lists are paged with a CSV download of the whole list (`revlake.web.listing`). A tenant
with order lines and no subscription billing (an ERP export) has its customers on the
Sales page: `/customers` sends it there, as `/` and `/insights` do.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from revlake.errors import NotFound
from revlake.queries import customer_intel, revenue, sales
from revlake.queries import customers as customer_data
from revlake.queries.params import PageParams
from revlake.reader import Build
from revlake.schemas.common import CustomerRow
from revlake.schemas.customer_intel import AtRiskPage, AtRiskRow, RiskLevel
from revlake.store.roles import Area, can_access
from revlake.web.common import NavEntry, PageSnapshot, WebPrincipal, render, require
from revlake.web.figures import core as figures
from revlake.web.figures import customer_intel as customer_figures
from revlake.web.listing import Column, PagingDep, all_rows, csv_response, pager

RISK_LEVELS: tuple[str, ...] = ("cancelling", "critical", "high", "medium", "low")

NAV: tuple[NavEntry, ...] = (
    ("/customers", "Customers", Area.CUSTOMERS),
    ("/customers/at-risk", "At risk", Area.CUSTOMERS),
)

router = APIRouter(include_in_schema=False)


def _status_of(c: CustomerRow) -> str:
    if c.is_paying:
        return "paying"
    return "churned" if c.first_paid_month else "never paid"


@router.get("/customers")
def customers_page(
    request: Request,
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    paging: PagingDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[customer_data.Status, Query()] = "all",
    segment: Annotated[str | None, Query(max_length=50)] = None,
) -> Response:
    require(principal, Area.CUSTOMERS)
    if _orders_only(snapshot) and can_access(principal.role, Area.KPIS):
        # an ERP tenant's customers are its order customers: the Sales page's section
        return RedirectResponse("/sales#customers", status_code=303)
    found = customer_data.customers(
        snapshot, q or None, status, segment or None, None, paging.params
    )
    customers_pager = pager(request, paging, found.total, len(found.items), "/customers.csv")
    return render(
        request,
        "customers.html",
        principal,
        snapshot,
        result=found,
        pager=customers_pager,
        q=q or "",
        status=status,
        status_of=_status_of,
        segment=segment or "",
        segments=customer_data.segments(snapshot),
        currency=revenue.reporting_currency(snapshot),
        status_code=customers_pager.status,
    )


def _orders_only(snapshot: Build) -> bool:
    """Order lines and no subscription billing (the check `pages.core` makes for `/`)."""
    return not revenue.kpi_months(snapshot) and sales.has_orders(snapshot)


@router.get("/customers.csv")
def customers_csv(
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    q: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[customer_data.Status, Query()] = "all",
    segment: Annotated[str | None, Query(max_length=50)] = None,
) -> StreamingResponse:
    """Every customer the customers page's search, status and segment select."""
    require(principal, Area.CUSTOMERS)
    rows = all_rows(
        lambda params: customer_data.customers(
            snapshot, q or None, status, segment or None, None, params
        )
    )
    currency = revenue.reporting_currency(snapshot)
    columns: list[Column[CustomerRow]] = [
        Column("Customer", lambda c: c.name),
        Column("Customer id", lambda c: c.customer_id),
        Column("Segment", lambda c: c.segment),
        Column("Industry", lambda c: c.industry),
        Column("Country", lambda c: c.country),
        Column(f"MRR ({currency} per month)", lambda c: c.mrr),
        Column("Status", _status_of),
        Column("First paid month", lambda c: c.first_paid_month),
        Column("Last paid month", lambda c: c.last_paid_month),
    ]
    return csv_response(
        rows,
        columns,
        tenant=principal.tenant_id,
        build=snapshot.name,
        name="customers",
        day=date.today(),
    )


@router.get("/customers/at-risk")
async def at_risk_page(
    request: Request,
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    paging: PagingDep,
    risk_level: Annotated[list[RiskLevel] | None, Query()] = None,
    segment: Annotated[str | None, Query(max_length=50)] = None,
) -> HTMLResponse:
    require(principal, Area.CUSTOMERS)
    levels = tuple(sorted(set(risk_level or ())))
    found = await run_in_threadpool(
        customer_intel.at_risk, snapshot, levels, segment or None, None, paging.params
    )
    at_risk_pager = pager(request, paging, found.total, len(found.items), "/customers/at-risk.csv")
    return render(
        request,
        "at_risk.html",
        principal,
        snapshot,
        result=found,
        pager=at_risk_pager,
        levels=levels,
        all_levels=RISK_LEVELS,
        segment=segment or "",
        segments=customer_data.segments(snapshot),
        currency=found.currency,
        status_code=at_risk_pager.status,
    )


@router.get("/customers/at-risk.csv")
async def at_risk_csv(
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    risk_level: Annotated[list[RiskLevel] | None, Query()] = None,
    segment: Annotated[str | None, Query(max_length=50)] = None,
) -> StreamingResponse:
    """Every customer the at-risk page's risk levels and segment select, highest MRR at
    risk first."""
    require(principal, Area.CUSTOMERS)
    levels = tuple(sorted(set(risk_level or ())))

    def fetch() -> tuple[AtRiskPage, list[AtRiskRow]]:
        first = customer_intel.at_risk(
            snapshot, levels, segment or None, None, PageParams(limit=1, offset=0)
        )
        return first, all_rows(
            lambda params: customer_intel.at_risk(snapshot, levels, segment or None, None, params)
        )

    head, rows = await run_in_threadpool(fetch)
    money = f"{head.currency} per month"
    horizon = f"within {head.horizon_months} months" if head.horizon_months else "fraction"
    columns: list[Column[AtRiskRow]] = [
        Column("Customer", lambda c: c.name),
        Column("Customer id", lambda c: c.customer_id),
        Column("Segment", lambda c: c.segment),
        Column("Risk level", lambda c: c.risk_level),
        Column(f"Churn probability ({horizon}, fraction)", lambda c: c.churn_probability),
        Column(f"MRR ({money})", lambda c: c.mrr),
        Column(f"MRR at risk ({money})", lambda c: c.mrr_at_risk),
        Column("Top driver", lambda c: c.top_driver),
        Column("Suggested action", lambda c: c.intervention),
    ]
    day = head.scoring_month or date.today()
    return csv_response(
        rows,
        columns,
        tenant=principal.tenant_id,
        build=snapshot.name,
        name="customers-at-risk",
        day=day,
    )


@router.get("/customers/{customer_id}")
def customer_page(
    request: Request, principal: WebPrincipal, snapshot: PageSnapshot, customer_id: str
) -> HTMLResponse:
    require(principal, Area.CUSTOMERS)
    detail = customer_data.customer_detail(snapshot, customer_id)
    if detail is None:
        raise NotFound(f"no customer {customer_id!r}")
    history_figure = snapshot.memo(
        ("web-customer", customer_id),
        lambda: figures.customer_mrr(detail.mrr_history, detail.currency),
    )
    return render(
        request,
        "customer.html",
        principal,
        snapshot,
        detail=detail,
        history_figure=history_figure,
        currency=detail.currency,
    )


@router.get("/customers/{customer_id}/intelligence")
async def customer_intelligence_page(
    request: Request, principal: WebPrincipal, snapshot: PageSnapshot, customer_id: str
) -> HTMLResponse:
    require(principal, Area.CUSTOMERS)
    churn = await run_in_threadpool(customer_intel.customer_churn, snapshot, customer_id)
    ltv = await run_in_threadpool(customer_intel.customer_ltv, snapshot, customer_id)
    figure = snapshot.memo(
        ("web-churn-drivers", customer_id), lambda: customer_figures.churn_drivers(churn.drivers)
    )
    return render(
        request,
        "customer_intelligence.html",
        principal,
        snapshot,
        churn=churn,
        ltv=ltv,
        drivers_figure=figure,
        currency=churn.currency,
    )
