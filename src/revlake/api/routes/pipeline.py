"""Sales pipeline summary."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from revlake.api.deps import RoleDep, SnapshotDep
from revlake.api.routes import json_from_snapshot
from revlake.queries import pipeline
from revlake.schemas.common import PipelineSummary
from revlake.store.roles import Area

router = APIRouter(tags=["pipeline"])


@router.get(
    "/pipeline/summary",
    response_model=PipelineSummary,
    summary="Open and weighted pipeline, win rate, cycle and coverage per CRM source",
    dependencies=[RoleDep(Area.PIPELINE)],
)
async def get_pipeline_summary(
    snapshot: SnapshotDep,
    source_system: Annotated[str | None, Query(max_length=50)] = None,
    months: Annotated[int, Query(ge=1, le=120, description="Months of trend")] = 12,
) -> Response:
    return await json_from_snapshot(
        snapshot,
        ("pipeline", source_system, months),
        lambda: pipeline.pipeline_summary(snapshot, source_system, months),
    )
