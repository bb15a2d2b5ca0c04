"""KPIs, MRR movements and cohort retention."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from revlake.api.deps import PageDep, RoleDep, SnapshotDep
from revlake.api.routes import json_from_snapshot
from revlake.queries import revenue
from revlake.queries.params import MONTH_PATTERN, parse_month
from revlake.schemas.common import Cohorts, Kpis, MonthMovements, Page
from revlake.store.roles import Area

router = APIRouter(tags=["revenue"])

MonthQuery = Annotated[str | None, Query(pattern=MONTH_PATTERN, description="YYYY-MM")]
FromQuery = Annotated[
    str | None, Query(alias="from", pattern=MONTH_PATTERN, description="First month, YYYY-MM")
]
ToQuery = Annotated[
    str | None, Query(alias="to", pattern=MONTH_PATTERN, description="Last month, YYYY-MM")
]
SortQuery = Annotated[
    str | None,
    Query(max_length=200, description="Fields to sort by, e.g. `-month`; see the route."),
]


@router.get(
    "/kpis",
    response_model=Kpis,
    summary="MRR, ARR, NRR, GRR, customers, ARPA, CAC, LTV, payback with month-over-month change",
    dependencies=[RoleDep(Area.KPIS)],
)
async def get_kpis(snapshot: SnapshotDep, month: MonthQuery = None) -> Response:
    return await json_from_snapshot(
        snapshot, ("kpis", month), lambda: revenue.kpis(snapshot, parse_month(month, "month"))
    )


@router.get(
    "/mrr/movements",
    response_model=Page[MonthMovements],
    summary="MRR movements by month (new, expansion, contraction, churn, reactivation, FX)",
    description="Sortable by: " + ", ".join(sorted(revenue.MOVEMENT_SORT)) + ".",
    dependencies=[RoleDep(Area.MRR)],
)
async def get_movements(
    snapshot: SnapshotDep,
    page: PageDep,
    start: FromQuery = None,
    end: ToQuery = None,
    sort: SortQuery = None,
) -> Response:
    return await json_from_snapshot(
        snapshot,
        ("movements", start, end, sort, page),
        lambda: revenue.movements(
            snapshot, parse_month(start, "from"), parse_month(end, "to"), sort, page
        ),
    )


@router.get(
    "/cohorts",
    response_model=Cohorts,
    summary="Logo and revenue retention by cohort (first paying month) and age in months",
    dependencies=[RoleDep(Area.COHORTS)],
)
async def get_cohorts(
    snapshot: SnapshotDep,
    start: FromQuery = None,
    end: ToQuery = None,
    max_age: Annotated[int, Query(ge=0, le=600, description="Oldest age in months")] = 24,
) -> Response:
    return await json_from_snapshot(
        snapshot,
        ("cohorts", start, end, max_age),
        lambda: revenue.cohorts(
            snapshot, parse_month(start, "from"), parse_month(end, "to"), max_age
        ),
    )
