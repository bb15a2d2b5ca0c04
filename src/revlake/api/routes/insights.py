"""The insights panel as data: plain-language observations with their figures."""

from __future__ import annotations

from fastapi import APIRouter, Response

from revlake.api.deps import RoleDep, SnapshotDep
from revlake.api.routes import json_from_snapshot
from revlake.queries import insights
from revlake.schemas.common import Insights
from revlake.store.roles import Area

router = APIRouter(tags=["insights"])


@router.get(
    "/insights",
    response_model=Insights,
    summary="Observations about the latest month, each with the figures behind it",
    dependencies=[RoleDep(Area.KPIS)],
)
async def get_insights(snapshot: SnapshotDep) -> Response:
    return await json_from_snapshot(snapshot, ("insights",), lambda: insights.insights(snapshot))
