"""Scored open deals (risk, drivers, close-date range) and the Monte Carlo forecast.

Everything here reads the tenant's pinned snapshot (tenancy comes from the key, as for
every route) and needs the pipeline area. The deal endpoints read the gold tables that
`revlake score` and `revlake forecast --publish` wrote; POST /forecast runs the forecast
on the snapshot's pipeline with the tenant's registered win model (memoised per snapshot,
model version and parameters; nothing is written; the response cache replays its answer
per snapshot, model version and canonical body: `CACHED_POSTS`). The answers a user gets
without choosing (summary, filters, first pages, every deal) and every forecast horizon are
computed when the scored build is published and read from it
(`revlake.queries.precompute`, docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from pydantic import StringConstraints

from revlake.api.context import ServerContext
from revlake.api.deps import ContextDep, PageDep, RoleDep, SnapshotDep, TenantDep
from revlake.api.fastpath import Variant, declare_variant
from revlake.api.routes import API_PREFIX, json_from_snapshot
from revlake.api.routes.revenue import SortQuery
from revlake.errors import NotFound, RevlakeError
from revlake.ml.registry import registered_win_version
from revlake.queries import deals, precompute
from revlake.schemas.common import Problem
from revlake.schemas.deals import (
    DealDetail,
    DealExplanation,
    DealFilters,
    DealPage,
    DealSummary,
    ForecastOut,
    ForecastRequest,
    RiskCategory,
)
from revlake.store.roles import Area

router = APIRouter(tags=["deals"], dependencies=[RoleDep(Area.PIPELINE)])

DealId = Annotated[str, Path(max_length=100, description="CRM opportunity id")]
FilterValue = Annotated[str, StringConstraints(max_length=100)]


async def deal_query(
    account: Annotated[
        list[FilterValue] | None,
        Query(description="Account id, or part of its name; repeat for several (any of them)"),
    ] = None,
    rep: Annotated[
        list[FilterValue] | None, Query(description="Rep id or name; repeat for several")
    ] = None,
    product: Annotated[
        list[FilterValue] | None, Query(description="Product; repeat for several")
    ] = None,
    stage: Annotated[
        list[FilterValue] | None, Query(description="Stage; repeat for several")
    ] = None,
    risk_category: Annotated[
        list[RiskCategory] | None, Query(description="Repeat for several categories")
    ] = None,
    risk_min: Annotated[float | None, Query(ge=0, le=100)] = None,
    risk_max: Annotated[float | None, Query(ge=0, le=100)] = None,
) -> deals.DealQuery:
    """The deal filters of the list and the summary (one definition for both; async: no
    threadpool hop)."""
    return deals.DealQuery.of(
        account=account,
        rep=rep,
        product=product,
        stage=stage,
        risk_category=risk_category,
        risk_min=risk_min,
        risk_max=risk_max,
    )


DealQueryDep = Annotated[deals.DealQuery, Depends(deal_query)]

NO_MODEL: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "No registered win model: run `revlake train`"}
}


@router.get(
    "/deals",
    response_model=DealPage,
    summary="Open deals with win probability, risk and close-date range; filter, sort, page",
    description="Sortable by: " + ", ".join(sorted(deals.DEAL_SORT)) + " (default -risk_score).",
)
async def list_deals(
    snapshot: SnapshotDep, page: PageDep, query: DealQueryDep, sort: SortQuery = None
) -> Response:
    return await json_from_snapshot(
        snapshot,
        precompute.deals_key(query, sort, page),
        lambda: deals.deals(snapshot, query, sort, page),
    )


@router.get(
    "/deals/summary",
    response_model=DealSummary,
    summary="Open pipeline, at-risk revenue, expected value and totals per risk category",
    description="Of the open deals matching the filters (the same as GET /deals); all of "
    "them without filters.",
)
async def get_deal_summary(snapshot: SnapshotDep, query: DealQueryDep) -> Response:
    return await json_from_snapshot(
        snapshot,
        precompute.deal_summary_key(query),
        lambda: deals.deal_summary(snapshot, query),
    )


@router.get(
    "/deals/filters",
    response_model=DealFilters,
    summary="Accounts, reps, products, stages and risk categories the deal list can filter by",
)
async def get_deal_filters(snapshot: SnapshotDep) -> Response:
    return await json_from_snapshot(
        snapshot, precompute.deal_filters_key(), lambda: deals.deal_filters(snapshot)
    )


@router.get(
    "/deals/{deal_id}",
    response_model=DealDetail,
    summary="One open deal: score, risk, stagnation, suggested action, close-date range",
)
async def get_deal(snapshot: SnapshotDep, deal_id: DealId) -> Response:
    def compute() -> DealDetail:
        detail = deals.deal_detail(snapshot, deal_id)
        if detail is None:
            raise NotFound(f"no scored open deal {deal_id!r}")
        return detail

    return await json_from_snapshot(snapshot, precompute.deal_key(deal_id), compute)


@router.get(
    "/deals/{deal_id}/explanation",
    response_model=DealExplanation,
    summary="Why the deal scores as it does: ranked drivers with points and sentences",
)
async def get_deal_explanation(
    snapshot: SnapshotDep, context: ContextDep, tenant: TenantDep, deal_id: DealId
) -> Response:
    def compute() -> DealExplanation:
        found = deals.deal_explanation(snapshot, context.workspace, tenant, deal_id)
        if found is None:
            raise NotFound(f"no scored open deal {deal_id!r}")
        return found

    return await json_from_snapshot(snapshot, precompute.explanation_key(deal_id), compute)


@router.post(
    "/forecast",
    response_model=ForecastOut,
    summary="Monte Carlo revenue forecast (P10/P50/P90 per period) beside the stage-weighted "
    "baseline",
    description="Runs 10,000 simulations of the open deals (win × close timing) plus pipeline "
    "not yet created, with the tenant's registered win model, on the published snapshot. "
    "Every horizon (4–26) of weeks and months is computed when the scored build is "
    "published; with a model registered since, the first request computes it (memoised "
    "per snapshot, model version, horizon and period).",
    responses=NO_MODEL,
)
async def post_forecast(
    snapshot: SnapshotDep,
    context: ContextDep,
    tenant: TenantDep,
    http: Request,
    request: Annotated[ForecastRequest | None, Body()] = None,
) -> Response:
    params = request or ForecastRequest()
    # the version names the answer; the model itself is loaded only when not precomputed
    version = registered_win_version(context.workspace, tenant, context.latest)
    declare_variant(http.scope, version)  # the response cache keeps it under this version

    def compute() -> ForecastOut:
        registered = deals.registered_win_model(snapshot, context.workspace, tenant)
        return deals.forecast(snapshot, registered, params.horizon, params.period)

    return await json_from_snapshot(
        snapshot, precompute.forecast_key(version, params.horizon, params.period), compute
    )


def forecast_variant(context: ServerContext, tenant: str) -> str | None:
    """What a POST /forecast answer depends on besides the snapshot and the body: the
    registered win model's version (None without one: the route answers its 409)."""
    try:
        return registered_win_version(context.workspace, tenant, context.latest)
    except RevlakeError:
        return None


CACHED_POSTS: dict[str, Variant] = {f"{API_PREFIX}/forecast": forecast_variant}
"""POST routes whose 200 answers the response cache keeps (`revlake.api.fastpath`)."""
