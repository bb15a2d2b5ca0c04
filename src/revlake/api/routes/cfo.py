"""The CFO summary: one month's revenue, receivables, churn risk and deferred revenue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from revlake.api.deps import RoleDep, SnapshotDep
from revlake.api.routes import json_from_snapshot
from revlake.queries import cfo
from revlake.queries.params import MONTH_PATTERN, parse_month
from revlake.schemas.cfo import CfoSummary
from revlake.store.roles import Area

router = APIRouter(tags=["finance"])


@router.get(
    "/cfo",
    response_model=CfoSummary,
    summary="The CFO's month: MRR, ARR, NRR, growth MoM and YoY, MRR by segment, AR "
    "outstanding and aging, customers at risk, deferred revenue (reporting currency)",
    dependencies=[RoleDep(Area.AR)],
)
async def get_cfo(
    snapshot: SnapshotDep,
    month: Annotated[
        str | None, Query(pattern=MONTH_PATTERN, description="YYYY-MM (default: the latest)")
    ] = None,
) -> Response:
    return await json_from_snapshot(
        snapshot, ("cfo", month), lambda: cfo.cfo_summary(snapshot, parse_month(month, "month"))
    )
