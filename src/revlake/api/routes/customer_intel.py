"""Customer intelligence: churn risk per customer, customers at risk, lifetime value, and the
sBG retention projection of the cohorts.

Listed before "customers" in ROUTE_MODULES so that the literal `/customers/at-risk` is
matched before `/customers/{customer_id}`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from revlake.api.deps import PageDep, RoleDep, SnapshotDep
from revlake.api.routes import json_from_snapshot
from revlake.api.routes.revenue import FromQuery, ToQuery
from revlake.ml.cohort_fit import MAX_PERIODS_AHEAD
from revlake.queries import customer_intel
from revlake.queries.params import month_range_sql, parse_month
from revlake.schemas.customer_intel import (
    AtRiskPage,
    CustomerChurn,
    CustomerLtvOut,
    RetentionCohorts,
    RiskLevel,
)
from revlake.store.roles import Area

router = APIRouter(tags=["customer intelligence"])
CustomerPath = Annotated[str, Path(max_length=100)]
Grouping = Literal["cohort", "quarter", "year", "segment", "all"]


@router.get(
    "/customers/at-risk",
    response_model=AtRiskPage,
    summary="Paying customers sorted by MRR at risk (MRR × churn probability), highest first",
    dependencies=[RoleDep(Area.CUSTOMERS)],
)
async def get_at_risk(
    snapshot: SnapshotDep,
    page: PageDep,
    risk_level: Annotated[
        list[RiskLevel] | None, Query(description="Keep these levels (repeatable)")
    ] = None,
    segment: Annotated[str | None, Query(max_length=50)] = None,
    min_probability: Annotated[
        float | None, Query(ge=0, le=1, description="Keep churn probability ≥ this")
    ] = None,
) -> Response:
    levels = tuple(sorted(set(risk_level or ())))
    return await json_from_snapshot(
        snapshot,
        ("at-risk", levels, segment, min_probability, page),
        lambda: customer_intel.at_risk(snapshot, levels, segment, min_probability, page),
    )


@router.get(
    "/customers/{customer_id}/churn",
    response_model=CustomerChurn,
    summary="One customer's churn probability, risk level, intervention and ranked drivers",
    dependencies=[RoleDep(Area.CUSTOMERS)],
)
async def get_customer_churn(snapshot: SnapshotDep, customer_id: CustomerPath) -> Response:
    return await json_from_snapshot(
        snapshot,
        ("customer-churn", customer_id),
        lambda: customer_intel.customer_churn(snapshot, customer_id),
    )


@router.get(
    "/customers/{customer_id}/ltv",
    response_model=CustomerLtvOut,
    summary="One customer's expected remaining discounted gross-margin revenue and simple LTV",
    dependencies=[RoleDep(Area.CUSTOMERS)],
)
async def get_customer_ltv(snapshot: SnapshotDep, customer_id: CustomerPath) -> Response:
    return await json_from_snapshot(
        snapshot,
        ("customer-ltv", customer_id),
        lambda: customer_intel.customer_ltv(snapshot, customer_id),
    )


@router.get(
    "/retention/cohorts",
    response_model=RetentionCohorts,
    summary="Observed survival per cohort and the sBG projection (alpha, beta, SEs, fit)",
    description=(
        "Cohorts smaller than 30 customers are pooled (grouping=cohort: by acquisition "
        "quarter, then year, then together); see docs/RETENTION.md."
    ),
    dependencies=[RoleDep(Area.COHORTS)],
)
async def get_retention_cohorts(
    snapshot: SnapshotDep,
    start: FromQuery = None,
    end: ToQuery = None,
    periods_ahead: Annotated[
        int, Query(ge=1, le=MAX_PERIODS_AHEAD, description="Months to project")
    ] = 12,
    grouping: Annotated[Grouping, Query(description="How cohorts share a fit")] = "cohort",
) -> Response:
    first, last = parse_month(start, "from"), parse_month(end, "to")
    month_range_sql("cohort_month", first, last)  # 400 when from is after to
    return await json_from_snapshot(
        snapshot,
        ("retention-cohorts", first, last, periods_ahead, grouping),
        lambda: customer_intel.retention_cohorts(snapshot, first, last, periods_ahead, grouping),
    )
