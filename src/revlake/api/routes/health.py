"""Liveness (no key needed) and readiness of the caller's tenant (snapshot age)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from revlake import __version__
from revlake.api.deps import ContextDep, RoleDep, TenantDep
from revlake.api.schemas import Liveness, Readiness
from revlake.api.snapshots import NoSnapshotError
from revlake.store.roles import Area

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Liveness, summary="Liveness: the server answers")
async def liveness() -> Liveness:
    return Liveness(version=__version__)


def readiness_of(context: ContextDep, tenant: str) -> Readiness:
    """Whether the tenant has a published snapshot, and its age."""
    try:
        with context.snapshots.acquire(tenant) as snapshot:
            return Readiness(
                ready=True,
                tenant=tenant,
                snapshot=snapshot.name,
                published_at=snapshot.published_at,
                age_seconds=round(snapshot.age_seconds(), 3),
            )
    except NoSnapshotError as exc:
        return Readiness(
            ready=False,
            tenant=tenant,
            snapshot=None,
            published_at=None,
            age_seconds=None,
            detail=str(exc),
        )


@router.get(
    "/health/ready",
    response_model=Readiness,
    summary="Readiness of the key's tenant: published snapshot and its age",
    responses={503: {"model": Readiness, "description": "no published snapshot yet"}},
    dependencies=[RoleDep(Area.HEALTH)],
)
def readiness(context: ContextDep, tenant: TenantDep) -> JSONResponse:
    state = readiness_of(context, tenant)
    return JSONResponse(state.model_dump(mode="json"), status_code=200 if state.ready else 503)
