"""Dashboard pages of customer intelligence: customers at risk, one customer's churn
drivers and lifetime value, and cohort retention with the sBG projection.

They read the same data functions as API v1 (`revlake.queries.customer_intel`), so a
page and the API show the same numbers. Listed before `revlake.web.pages` in
PAGE_MODULES so that `/customers/at-risk` is matched before `/customers/{customer_id}`.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from revlake.ml.cohort_fit import MAX_PERIODS_AHEAD
from revlake.queries import customer_intel
from revlake.queries import customers as customer_data
from revlake.queries.params import PageParams
from revlake.queries.revenue import reporting_currency
from revlake.schemas.customer_intel import RiskLevel
from revlake.store.roles import Area
from revlake.web.common import NavEntry, PageSnapshot, WebPrincipal, render, require
from revlake.web.figures import customer_intel as customer_figures

AT_RISK_PER_PAGE = 25
RISK_LEVELS: tuple[str, ...] = ("cancelling", "critical", "high", "medium", "low")

NAV: tuple[NavEntry, ...] = (
    ("/customers/at-risk", "At risk", Area.CUSTOMERS),
    ("/retention/projections", "Projections", Area.COHORTS),
)

router = APIRouter(include_in_schema=False)


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


@router.get("/retention/projections")
async def projections_page(
    request: Request,
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    grouping: Annotated[Literal["cohort", "quarter", "year", "segment", "all"], Query()] = (
        "cohort"
    ),
    periods_ahead: Annotated[int, Query(ge=1, le=MAX_PERIODS_AHEAD)] = 12,
) -> HTMLResponse:
    require(principal, Area.COHORTS)
    report = await run_in_threadpool(
        customer_intel.retention_cohorts, snapshot, None, None, periods_ahead, grouping
    )
    charts = snapshot.memo(
        ("web-projections", grouping, periods_ahead),
        lambda: {
            "fan": customer_figures.cohort_projections(report.cohorts),
            "groups": customer_figures.group_curves(report.cohorts),
        },
    )
    return render(
        request,
        "retention_projections.html",
        principal,
        snapshot,
        report=report,
        charts=charts,
        grouping=grouping,
        periods_ahead=periods_ahead,
        groupings=("cohort", "quarter", "year", "segment", "all"),
        currency=reporting_currency(snapshot),
    )
