"""Dashboard pages of pipeline intelligence: risk dashboard, deal drill-down, forecast and
model report (all under the pipeline area, so the sales role sees them, marketing not).

They read the same data functions as API v1 (`revlake.queries.deals`), so a page and the
API always show the same numbers. Filters, sorting and the forecast form are plain GET
query parameters: everything works without JavaScript, charts included (drawn on the server).
With JavaScript, static/inplace.js fetches the same URLs as partial requests and swaps
the page's content in place (`common.wants_partial`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from pydantic import StringConstraints

from revlake.api.deps import ContextDep
from revlake.errors import InputError, NotFound
from revlake.ml.registry import registered_win_version
from revlake.queries import deals, precompute
from revlake.queries.params import PageParams
from revlake.queries.revenue import reporting_currency
from revlake.reader import Build
from revlake.schemas.deals import (
    RISK_CATEGORIES,
    DealDetail,
    DealExplanation,
    DealFilters,
    DealPage,
    DealSummary,
    ForecastOut,
    RiskCategory,
)
from revlake.store.roles import Area
from revlake.web.common import NavEntry, PageSnapshot, WebPrincipal, render, require
from revlake.web.figures import deals as deal_figures
from revlake.workspace import Workspace

DEALS_PER_PAGE = precompute.WEB_PAGE_SIZE
TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "Deal · account"),
    ("rep", "Rep"),
    ("product", "Product"),
    ("stage", "Stage"),
    ("amount", "Amount"),
    ("win_probability", "Win %"),
    ("risk_score", "Risk"),
    ("at_risk_amount", "At risk"),
    ("close_p50", "Likely close (P50; P10–P90)"),
)
"""(sort field, heading) of the risk table's columns; each heading is a sort link."""

NAV: tuple[NavEntry, ...] = (
    ("/deals", "Deals", Area.PIPELINE),
    ("/forecast", "Forecast", Area.PIPELINE),
    ("/models", "Models", Area.PIPELINE),
)

router = APIRouter(include_in_schema=False)


def _sort_links(current: str, params: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Column → (href, arrow): a click sorts by the column, a second click reverses it."""
    links: dict[str, tuple[str, str]] = {}
    for field, _ in TABLE_COLUMNS:
        if current == field:
            target, arrow = f"-{field}", " ▲"
        elif current == f"-{field}":
            target, arrow = field, " ▼"
        else:
            target, arrow = (f"-{field}" if field != "name" else field), ""
        query = {**params, "sort": target}
        links[field] = ("/deals?" + urlencode(query, doseq=True), arrow)
    return links


def _risk_bound(value: str | None, name: str, open_end: float) -> float | None:
    """A risk bound from the filter form: blank = none, else a number within 0–100.

    The form's range sliders always send both ends, so a bound at the slider's own end
    (`open_end`: 0 for the lower, 100 for the upper) is no bound: every risk score lies
    within 0–100, and the page reads as unfiltered and shares the unfiltered answers."""
    if value is None or not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not 0.0 <= number <= 100.0:
        raise InputError(
            f"query parameter {name!r}: expected a number from 0 to 100, got {value!r}"
        )
    return None if number == open_end else number


FilterValues = Annotated[list[Annotated[str, StringConstraints(max_length=100)]] | None, Query()]


@router.get("/deals")
def deals_page(
    request: Request,
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    account: FilterValues = None,
    rep: FilterValues = None,
    product: FilterValues = None,
    stage: FilterValues = None,
    risk_category: Annotated[list[RiskCategory] | None, Query()] = None,
    risk_from: Annotated[str | None, Query(alias="risk_min", max_length=20)] = None,
    risk_to: Annotated[str | None, Query(alias="risk_max", max_length=20)] = None,
    sort: Annotated[str, Query(max_length=200)] = deals.DEFAULT_SORT,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """Risk dashboard: at-risk revenue, counts per category and the filterable risk table;
    the cards sum the deals the filters select (one definition with the table)."""
    require(principal, Area.PIPELINE)
    risk_min = _risk_bound(risk_from, "risk_min", 0.0)
    risk_max = _risk_bound(risk_to, "risk_max", 100.0)
    query = deals.DealQuery.of(
        account=account,
        rep=rep,
        product=product,
        stage=stage,
        risk_category=risk_category,
        risk_min=risk_min,
        risk_max=risk_max,
    )
    params = PageParams(limit=DEALS_PER_PAGE, offset=(page - 1) * DEALS_PER_PAGE)
    result = precompute.answer(
        snapshot,
        precompute.deals_key(query, sort, params),
        DealPage,
        lambda: deals.deals(snapshot, query, sort or deals.DEFAULT_SORT, params),
    )
    summary = precompute.answer(
        snapshot,
        precompute.deal_summary_key(query),
        DealSummary,
        lambda: deals.deal_summary(snapshot, query),
    )
    options = precompute.answer(
        snapshot, precompute.deal_filters_key(), DealFilters, lambda: deals.deal_filters(snapshot)
    )
    assert result is not None and summary is not None and options is not None
    filters: dict[str, Any] = {
        "account": list(query.account),
        "rep": list(query.rep),
        "product": list(query.product),
        "stage": list(query.stage),
        "risk_category": list(query.risk_category),
        "risk_min": "" if risk_min is None else f"{risk_min:g}",
        "risk_max": "" if risk_max is None else f"{risk_max:g}",
    }
    kept = {k: v for k, v in filters.items() if v not in ("", [])}
    without_category = {k: v for k, v in kept.items() if k != "risk_category"}
    return render(
        request,
        "deals.html",
        principal,
        snapshot,
        result=result,
        summary=summary,
        filtered=query != deals.DealQuery(),
        options=options,
        filters=filters,
        categories=RISK_CATEGORIES,
        columns=TABLE_COLUMNS,
        sort=sort,
        sort_links=_sort_links(sort, kept),
        category_hrefs={
            c: "/deals?" + urlencode({**without_category, "risk_category": c}, doseq=True)
            for c in RISK_CATEGORIES
        },
        without_account={
            a: "/deals?"
            + urlencode(
                {**kept, "account": [x for x in query.account if x != a], "sort": sort},
                doseq=True,
            )
            for a in query.account
        },
        page=page,
        prev_href="/deals?" + urlencode({**kept, "sort": sort, "page": page - 1}, doseq=True),
        next_href="/deals?" + urlencode({**kept, "sort": sort, "page": page + 1}, doseq=True),
        currency=result.currency,
    )


@router.get("/deals/{deal_id}")
def deal_page(
    request: Request,
    context: ContextDep,
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    deal_id: str,
) -> HTMLResponse:
    """One deal: drivers chart and sentences, suggested action, close-date range."""
    require(principal, Area.PIPELINE)
    tenant = principal.tenant_id
    detail = precompute.answer(
        snapshot,
        precompute.deal_key(deal_id),
        DealDetail,
        lambda: deals.deal_detail(snapshot, deal_id),
    )
    explanation = precompute.answer(
        snapshot,
        precompute.explanation_key(deal_id),
        DealExplanation,
        lambda: deals.deal_explanation(snapshot, context.workspace, tenant, deal_id),
    )
    if detail is None or explanation is None:
        raise NotFound(f"no scored open deal {deal_id!r}")
    charts = snapshot.memo(
        ("web-deal", deal_id),
        lambda: {
            "drivers": deal_figures.drivers(explanation),
            "close": deal_figures.close_range(
                detail.as_of_date,
                detail.expected_close_date,
                detail.close_p10,
                detail.close_p50,
                detail.close_p90,
            ),
        },
    )
    return render(
        request,
        "deal.html",
        principal,
        snapshot,
        deal=detail,
        explanation=explanation,
        charts=charts,
        currency=detail.currency,
    )


@router.get("/forecast")
async def forecast_page(
    request: Request,
    context: ContextDep,
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    horizon: Annotated[int, Query(ge=4, le=26)] = 13,
    period: Annotated[Literal["week", "month"], Query()] = "week",
) -> HTMLResponse:
    """Fan chart (P10–P90 band, P50 line) with the stage-weighted baseline; the form picks
    the horizon and period (the same forecast as POST /api/v1/forecast)."""
    require(principal, Area.PIPELINE)
    tenant = principal.tenant_id

    def compute() -> dict[str, Any]:
        version = registered_win_version(context.workspace, tenant)
        fc = precompute.answer(
            snapshot,
            precompute.forecast_key(version, horizon, period),
            ForecastOut,
            lambda: deals.forecast(
                snapshot,
                deals.registered_win_model(snapshot, context.workspace, tenant),
                horizon,
                period,
            ),
        )
        assert fc is not None
        charts = snapshot.memo(
            ("web-forecast", version, horizon, period),
            lambda: {
                "fan": deal_figures.fan_chart(fc),
                "cumulative": deal_figures.fan_chart(fc, cumulative=True),
            },
        )
        return {"fc": fc, "charts": charts}

    values = await run_in_threadpool(compute)
    return render(
        request,
        "forecast.html",
        principal,
        snapshot,
        horizon=horizon,
        period=period,
        presets=precompute.FORECASTS,
        currency=values["fc"].currency,
        **values,
    )


@router.get("/models")
def models_page(
    request: Request, context: ContextDep, principal: WebPrincipal, snapshot: PageSnapshot
) -> HTMLResponse:
    """The registered win model's evaluation beside its baselines, its reliability diagram,
    global importance and the latest backtest (when `revlake backtest` has run)."""
    require(principal, Area.PIPELINE)
    tenant = principal.tenant_id
    # The report and its figures change only with the build (the currency), the registered
    # version (a new `revlake train` without a new build) or the backtest file (`revlake
    # backtest`), so a warm load reuses them: a stat of LATEST and of the CSV per request.
    version = registered_win_version(context.workspace, tenant, context.latest)
    backtest_stamp = _file_stamp(context.workspace.tenant_dir(tenant) / deals.BACKTEST_CSV)
    values = snapshot.memo(
        ("web-models", version, backtest_stamp),
        lambda: _model_report_values(context.workspace, tenant, snapshot),
    )
    return render(
        request,
        "model_report.html",
        principal,
        snapshot,
        views=(
            ("test_snapshots", "every test snapshot (open deals at creation and month ends)"),
            ("test_at_creation", "one row per test deal, at its creation"),
        ),
        labels=deal_figures.MODEL_LABELS,
        **values,
    )


def _file_stamp(path: Path) -> tuple[int, int, int] | None:
    """(inode, mtime, size) of a file, None when it is absent: a changed file, a new key."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def _model_report_values(workspace: Workspace, tenant: str, snapshot: Build) -> dict[str, Any]:
    """The model report page's report, figures, backtest summary and currency."""
    report = deals.model_report(workspace, tenant)
    currency = reporting_currency(snapshot)
    snapshots_view = report.metrics("test_snapshots")
    charts: dict[str, str | None] = {
        "metrics": deal_figures.metrics_bars(snapshots_view) if snapshots_view else None,
        "importance": (
            deal_figures.importance(report.evaluation["global_importance"])
            if report.evaluation.get("global_importance")
            else None
        ),
        "backtest": deal_figures.backtest(report.backtest, currency) if report.backtest else None,
    }
    return {
        "report": report,
        "charts": charts,
        "backtest_summary": deals.backtest_summary(report.backtest),
        "currency": currency,
    }
