"""Dashboard pages of retention: the cohort heatmap (logo or revenue retention) and the
cohorts' survival projected with the shifted-beta-geometric fit.

They read the same query functions as API v1 (`revlake.queries.revenue.cohorts`,
`revlake.queries.customer_intel.retention_cohorts`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from revlake.ml.cohort_fit import MAX_PERIODS_AHEAD
from revlake.queries import customer_intel, precompute, revenue
from revlake.queries.revenue import reporting_currency
from revlake.schemas.customer_intel import RetentionCohorts
from revlake.store.roles import Area
from revlake.web.common import NavEntry, PageSnapshot, WebPrincipal, render, require
from revlake.web.figures import core as figures
from revlake.web.figures import customer_intel as customer_figures

NAV: tuple[NavEntry, ...] = (
    ("/retention", "Retention", Area.COHORTS),
    ("/retention/projections", "Projections", Area.COHORTS),
)

router = APIRouter(include_in_schema=False)


@router.get("/retention")
def retention_page(
    request: Request,
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    metric: Annotated[str, Query(pattern="^(logo|revenue)$")] = "logo",
    max_age: Annotated[int, Query(ge=1, le=120)] = 24,
) -> HTMLResponse:
    require(principal, Area.COHORTS)
    cohorts = revenue.cohorts(snapshot, None, None, max_age)
    column = f"{metric}_retention"
    heatmap = snapshot.memo(
        ("web-cohorts", column, max_age), lambda: figures.cohort_heatmap(cohorts.cells, column)
    )
    ages = sorted({c.age_months for c in cohorts.cells})
    table: dict[Any, dict[int, float | None]] = {}
    sizes: dict[Any, int] = {}
    for cell in cohorts.cells:
        table.setdefault(cell.cohort_month, {})[cell.age_months] = getattr(cell, column)
        sizes[cell.cohort_month] = cell.cohort_customers
    return render(
        request,
        "retention.html",
        principal,
        snapshot,
        metric=metric,
        max_age=max_age,
        ages=ages,
        table=table,
        sizes=sizes,
        heatmap=heatmap,
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
    # the default view (cohort, 12 ahead) is stored at publish (`revlake.queries.precompute`)
    report = await run_in_threadpool(
        precompute.answer,
        snapshot,
        precompute.retention_cohorts_key(None, None, periods_ahead, grouping),
        RetentionCohorts,
        lambda: customer_intel.retention_cohorts(snapshot, None, None, periods_ahead, grouping),
    )
    assert report is not None  # retention_cohorts answers a report or raises
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
