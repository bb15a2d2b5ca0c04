"""Data health: pipeline runs, the last build's data tests, rows rejected at ingest."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from revlake.api.context import ServerContext
from revlake.api.data import health
from revlake.api.deps import ContextDep, PageDep, RoleDep, TenantDep
from revlake.api.query import PageParams, page_of
from revlake.api.routes.health import readiness_of
from revlake.api.schemas import RunsPage
from revlake.store.roles import Area
from revlake.transform.build import dbt_work_dir
from revlake.transform.snapshots import current_snapshot

router = APIRouter(tags=["data health"])
STORE_RUNS_LIMIT = 500


def data_health(
    context: ServerContext, tenant: str, page: PageParams, kind: str | None = None
) -> RunsPage:
    """Everything the data-health page shows for `tenant`."""
    workspace = context.workspace
    snapshots_dir = context.snapshots_dir(tenant)
    bronze = workspace.bronze_path(tenant)
    runs = health.newest_first(
        [
            health.store_runs(context.store, tenant, STORE_RUNS_LIMIT),
            health.ingest_loads(context.files, bronze),
            health.builds(snapshots_dir, current_snapshot(snapshots_dir)),
        ]
    )
    if kind is not None:
        runs = [r for r in runs if r.kind == kind]
    window = runs[page.offset : page.offset + page.limit]
    return RunsPage(
        items=window,
        **page_of([r.model_dump() for r in window], len(runs), page),
        snapshot=readiness_of(context, tenant),
        tests=health.test_results(
            context.files, dbt_work_dir(workspace, tenant) / "target" / "run_results.json"
        ),
        rejects=health.rejects(context.files, bronze),
        quarantined=health.quarantined(context.files, bronze),
    )


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
    return data_health(context, tenant, page, kind)
