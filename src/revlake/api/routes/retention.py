"""Retention: the sBG projection of the build's own cohorts (revlake.ml.cohort_fit)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from revlake.api.deps import RoleDep, SnapshotDep
from revlake.api.routes import json_from_snapshot
from revlake.api.routes.revenue import FromQuery, ToQuery
from revlake.ml.cohort_fit import MAX_PERIODS_AHEAD
from revlake.queries import customer_intel
from revlake.queries.params import month_range_sql, parse_month
from revlake.schemas.customer_intel import RetentionCohorts
from revlake.store.roles import Area

router = APIRouter(tags=["customer intelligence"])
Grouping = Literal["cohort", "quarter", "year", "segment", "all"]


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
