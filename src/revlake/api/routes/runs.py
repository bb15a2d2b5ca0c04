"""Data health: pipeline runs, the last build's data tests, rows rejected at ingest."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from revlake.api.deps import ContextDep, PageDep, RoleDep, TenantDep
from revlake.queries import health
from revlake.schemas.common import RunsPage
from revlake.store.roles import Area

router = APIRouter(tags=["data health"])


@router.get(
    "/runs",
    response_model=RunsPage,
    summary="Pipeline runs (store, ingest loads, published builds), data tests, rejects, "
    "quarantined files",
    dependencies=[RoleDep(Area.RUNS)],
)
def get_runs(
    context: ContextDep,
    tenant: TenantDep,
    page: PageDep,
    kind: Annotated[str | None, Query(max_length=40, description="e.g. ingest, build")] = None,
) -> RunsPage:
    return health.data_health(
        context.workspace, context.store, context.files, context.snapshots, tenant, page, kind
    )
