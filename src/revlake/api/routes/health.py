"""Liveness (no key needed) and readiness of the caller's tenant (snapshot age)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from revlake import __version__
from revlake.api.deps import ContextDep, RoleDep, TenantDep
from revlake.queries import health
from revlake.schemas.common import Liveness, Readiness
from revlake.store.roles import Area

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Liveness, summary="Liveness: the server answers")
async def liveness() -> Liveness:
    return Liveness(version=__version__)


@router.get(
    "/health/ready",
    response_model=Readiness,
    summary="Readiness of the key's tenant: published snapshot and its age",
    responses={503: {"model": Readiness, "description": "no published snapshot yet"}},
    dependencies=[RoleDep(Area.HEALTH)],
)
def readiness(context: ContextDep, tenant: TenantDep) -> JSONResponse:
    state = health.readiness(context.snapshots, tenant)
    return JSONResponse(state.model_dump(mode="json"), status_code=200 if state.ready else 503)
