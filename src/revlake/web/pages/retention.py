"""Dashboard pages of retention: the cohort heatmap (logo or revenue retention) and the
cohorts' survival projected with the shifted-beta-geometric fit.

They read the same query functions as API v1 (`revlake.queries.revenue.cohorts`,
`revlake.queries.customer_intel.retention_cohorts`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from revlake.ml.cohort_fit import MAX_PERIODS_AHEAD
from revlake.queries import customer_intel, precompute, revenue
from revlake.queries.revenue import reporting_currency
from revlake.schemas.customer_intel import CohortRetentionProjection, RetentionCohorts, SbgGroup
from revlake.store.roles import Area
from revlake.web import formatting
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


CHOSEN = 5
"""Cohorts drawn on the chosen-cohorts chart ("largest" or "recent")."""

TABLE_ROWS = 10
"""Rows of the fits and cohorts tables before "show all"."""


@dataclass(frozen=True)
class FitRow:
    """A fit as the fits table shows it, every value written for people."""

    label: str
    cohorts: str
    customers: str
    alpha: str
    beta: str
    mean_churn: str
    chi_square: str
    p_value: str
    mape: str
    note: str


def parameter(value: float, se: float | None, degenerate: bool) -> str:
    """α or β with its standard error: "1.52 ± 0.31"; the value alone when there is no
    usable s.e.; "too uncertain" instead of the ± when the s.e. exceeds the value."""
    shown = _number(value)
    if se is None or degenerate or math.isnan(se):
        return shown
    if se > value:
        return f"{shown} (too uncertain)"
    return f"{shown} ± {_number(se)}"


def _number(value: float) -> str:
    """A model parameter with 2–3 significant digits and thousands separators, never in
    scientific notation."""
    size = abs(value)
    if size >= 100:
        return f"{value:,.0f}"
    if size >= 1:
        return f"{value:,.2f}"
    if size >= 0.001:
        return f"{value:.3f}"
    return "< 0.001" if value >= 0 else "> −0.001"


def fit_row(g: SbgGroup) -> FitRow:
    """One fit of the report as a table row."""
    uncertain = not g.degenerate and any(
        se is not None and se > v for v, se in ((g.alpha, g.alpha_se), (g.beta, g.beta_se))
    )
    if g.degenerate:
        note = "One churn rate for all: only α/β is known."
    elif uncertain:
        note = "α, β too uncertain; read the mean churn."
    else:
        note = ""
    p = g.fit.p_value
    return FitRow(
        label=g.label,
        cohorts=formatting.count(len(g.cohorts)),
        customers=formatting.count(g.customers),
        alpha=parameter(g.alpha, g.alpha_se, g.degenerate),
        beta=parameter(g.beta, g.beta_se, g.degenerate),
        mean_churn=formatting.percent(g.mean_churn_probability),
        chi_square=f"{g.fit.chi_square:,.1f} ({g.fit.degrees_of_freedom:,})",
        p_value="–" if p is None else ("< 0.001" if p < 0.001 else f"{p:.3f}"),
        mape=formatting.percent(g.fit.mape_survival),
        note=note,
    )


def choose_cohorts(
    cohorts: Sequence[CohortRetentionProjection], show: str
) -> tuple[str, list[CohortRetentionProjection]]:
    """The cohorts the second chart draws: the `CHOSEN` largest (ties: most recent first),
    the `CHOSEN` most recent, or the one cohort whose key is `show`; an unknown key falls
    back to the largest. Answers the choice made and the cohorts."""
    picked = [c for c in cohorts if customer_figures.cohort_key(c) == show]
    if picked:
        return show, picked
    if show == "recent":
        ordered = sorted(cohorts, key=lambda c: (c.cohort_month, c.customers), reverse=True)
        return show, ordered[:CHOSEN]
    ordered = sorted(cohorts, key=lambda c: (c.customers, c.cohort_month), reverse=True)
    return "largest", ordered[:CHOSEN]


@router.get("/retention/projections")
async def projections_page(
    request: Request,
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    grouping: Annotated[Literal["cohort", "quarter", "year", "segment", "all"], Query()] = (
        "cohort"
    ),
    periods_ahead: Annotated[int, Query(ge=1, le=MAX_PERIODS_AHEAD)] = 12,
    show: Annotated[str, Query(max_length=40)] = "largest",
    fits: Annotated[Literal["top", "all"], Query()] = "top",
    rows: Annotated[Literal["top", "all"], Query()] = "top",
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
    show, chosen = choose_cohorts(report.cohorts, show)
    aggregate = snapshot.memo(
        ("web-projections", grouping, periods_ahead),
        lambda: customer_figures.aggregate_projection(report.cohorts, report.min_customers),
    )
    picked = snapshot.memo(
        ("web-projections-chosen", grouping, periods_ahead, show),
        lambda: customer_figures.chosen_cohorts(chosen),
    )
    recent = sorted(report.cohorts, key=lambda c: (c.cohort_month, c.segment or ""), reverse=True)
    return render(
        request,
        "retention_projections.html",
        principal,
        snapshot,
        report=report,
        charts={"aggregate": aggregate, "chosen": picked},
        grouping=grouping,
        periods_ahead=periods_ahead,
        groupings=("cohort", "quarter", "year", "segment", "all"),
        show=show,
        chosen=chosen,
        chosen_size=CHOSEN,
        cohort_keys=[customer_figures.cohort_key(c) for c in recent],
        fit_rows=[fit_row(g) for g in report.groups][: None if fits == "all" else TABLE_ROWS],
        fits=fits,
        cohort_rows=recent[: None if rows == "all" else TABLE_ROWS],
        rows=rows,
        table_rows=TABLE_ROWS,
        currency=reporting_currency(snapshot),
    )
