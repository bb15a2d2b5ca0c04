"""Dashboard pages of the customers resource: the list, customers at risk of churning, one
customer's MRR history, and one customer's churn drivers and lifetime value.

One module holds every `/customers` page, so the literal `/customers/at-risk` is declared
before the parametric `/customers/{customer_id}` and wins (the first matching route
answers). The pages read the same query functions as API v1 (`revlake.queries.customers`,
`revlake.queries.customer_intel`), so a page and the API show the same numbers.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from revlake.errors import NotFound
from revlake.queries import customer_intel, revenue
from revlake.queries import customers as customer_data
from revlake.queries.params import PageParams
from revlake.schemas.customer_intel import RiskLevel
from revlake.store.roles import Area
from revlake.web.common import NavEntry, PageSnapshot, WebPrincipal, render, require
from revlake.web.figures import core as figures
from revlake.web.figures import customer_intel as customer_figures

CUSTOMERS_PER_PAGE = 25
AT_RISK_PER_PAGE = 25
RISK_LEVELS: tuple[str, ...] = ("cancelling", "critical", "high", "medium", "low")

NAV: tuple[NavEntry, ...] = (
    ("/customers", "Customers", Area.CUSTOMERS),
    ("/customers/at-risk", "At risk", Area.CUSTOMERS),
)

router = APIRouter(include_in_schema=False)


@router.get("/customers")
def customers_page(
    request: Request,
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    q: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[customer_data.Status, Query()] = "all",
    segment: Annotated[str | None, Query(max_length=50)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    require(principal, Area.CUSTOMERS)
    params = PageParams(limit=CUSTOMERS_PER_PAGE, offset=(page - 1) * CUSTOMERS_PER_PAGE)
    found = customer_data.customers(snapshot, q or None, status, segment or None, None, params)
    return render(
        request,
        "customers.html",
        principal,
        snapshot,
        result=found,
        q=q or "",
        status=status,
        segment=segment or "",
        segments=customer_data.segments(snapshot),
        page=page,
        currency=revenue.reporting_currency(snapshot),
    )


@router.get("/customers/at-risk")
async def at_risk_page(
    request: Request,
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    risk_level: Annotated[list[RiskLevel] | None, Query()] = None,
    segment: Annotated[str | None, Query(max_length=50)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    require(principal, Area.CUSTOMERS)
    levels = tuple(sorted(set(risk_level or ())))
    params = PageParams(limit=AT_RISK_PER_PAGE, offset=(page - 1) * AT_RISK_PER_PAGE)
    found = await run_in_threadpool(
        customer_intel.at_risk, snapshot, levels, segment or None, None, params
    )
    query: list[tuple[str, str]] = [("risk_level", level) for level in levels]
    if segment:
        query.append(("segment", segment))
    return render(
        request,
        "at_risk.html",
        principal,
        snapshot,
        result=found,
        levels=levels,
        all_levels=RISK_LEVELS,
        segment=segment or "",
        segments=customer_data.segments(snapshot),
        page=page,
        query=urlencode(query),
        currency=found.currency,
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
