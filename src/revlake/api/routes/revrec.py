"""Revenue recognition: schedule, deferred revenue, contracts entered by finance.

Finance and admin keys only (Area.REVENUE_SCHEDULES). Billing-driven recognition is read
from the tenant's published snapshot (memoised per snapshot); contracts live in the
operational store, scoped to the key's tenant (another tenant's contract answers 404
exactly like a missing one), and every write is appended to the audit log with the key
as actor, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from fastapi.concurrency import run_in_threadpool

from revlake.api.deps import ContextDep, PageDep, PrincipalDep, RoleDep, SnapshotDep, TenantDep
from revlake.api.routes import json_from_snapshot
from revlake.finance import contract_store
from revlake.queries import revrec as data
from revlake.queries.params import IsoDate
from revlake.schemas.revrec import (
    ContractDetail,
    ContractIn,
    ContractList,
    ModificationIn,
    ProgressMeasureIn,
    RevrecDeferred,
    RevrecSchedule,
)
from revlake.store.actors import api_actor
from revlake.store.roles import Area

router = APIRouter(tags=["revrec"], dependencies=[RoleDep(Area.REVENUE_SCHEDULES)])

MonthQuery = Annotated[str | None, Query(max_length=7, description="YYYY-MM")]
ContractIdPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="Contract id")]


@router.get(
    "/revrec/schedule",
    response_model=RevrecSchedule,
    summary="Monthly recognised revenue and deferred balance (billing and contracts)",
)
def get_schedule(
    context: ContextDep,
    tenant: TenantDep,
    snapshot: SnapshotDep,
    response: Response,
    start: Annotated[str | None, Query(alias="from", max_length=7, description="YYYY-MM")] = None,
    end: Annotated[str | None, Query(alias="to", max_length=7, description="YYYY-MM")] = None,
    customer: Annotated[str | None, Query(max_length=100, description="Customer id")] = None,
) -> RevrecSchedule:
    # Contracts (in the store) can change at any time: the answer names its build in the
    # body and must not carry X-Revlake-Snapshot, or the snapshot response cache
    # (api/fastpath.py) would replay it after a contract is added.
    response.headers["Cache-Control"] = "no-store"
    with context.store.read() as session:
        return data.schedule(snapshot, session, tenant, start, end, customer)


@router.get(
    "/revrec/deferred",
    response_model=RevrecDeferred,
    summary="Deferred revenue at a month end: totals, per customer, 12-month roll-forward",
)
async def get_deferred(
    snapshot: SnapshotDep,
    page: PageDep,
    as_of: Annotated[
        IsoDate | None,
        Query(description="A month end, YYYY-MM-DD; default: the last one in the data"),
    ] = None,
) -> Response:
    return await json_from_snapshot(
        snapshot, ("revrec-deferred", as_of, page), lambda: data.deferred(snapshot, as_of, page)
    )


@router.get(
    "/revrec/contracts",
    response_model=ContractList,
    summary="Contracts entered by finance, with recognised revenue to date",
)
def get_contracts(context: ContextDep, tenant: TenantDep) -> ContractList:
    today = dt.date.today()
    with context.store.read() as session:
        stored = contract_store.list_contracts(session, tenant)
    return ContractList(items=[data.contract_summary(s, today) for s in stored])


def _load(context: Any, tenant: str, contract_id: int) -> contract_store.StoredContract:
    with context.store.read() as session:
        return contract_store.load_contract(session, tenant, contract_id)


@router.get(
    "/revrec/contracts/{contract_id}",
    response_model=ContractDetail,
    summary="One contract: allocation per segment and monthly recognition schedule",
)
def get_contract(
    context: ContextDep, tenant: TenantDep, contract_id: ContractIdPath
) -> ContractDetail:
    return data.contract_detail(_load(context, tenant, contract_id), dt.date.today())


@router.post(
    "/revrec/contracts",
    response_model=ContractDetail,
    status_code=201,
    summary="Add a contract (validated; audited as revrec_contract.created)",
)
async def post_contract(
    context: ContextDep, principal: PrincipalDep, body: ContractIn
) -> ContractDetail:
    document = body.model_dump(mode="json", by_alias=True, exclude_none=True)

    def write() -> ContractDetail:
        with context.store.write() as session:
            stored = contract_store.add_contract(
                session, principal.tenant_id, document, actor=api_actor(principal.key_id)
            )
        return data.contract_detail(stored, dt.date.today())

    return await run_in_threadpool(write)


@router.post(
    "/revrec/contracts/{contract_id}/modifications",
    response_model=ContractDetail,
    status_code=201,
    summary="Modify a contract prospectively (audited as revrec_contract.modified)",
)
async def post_modification(
    context: ContextDep, principal: PrincipalDep, contract_id: ContractIdPath, body: ModificationIn
) -> ContractDetail:
    document = body.model_dump(mode="json", by_alias=True, exclude_none=True)

    def write() -> ContractDetail:
        with context.store.write() as session:
            stored = contract_store.add_modification(
                session,
                principal.tenant_id,
                contract_id,
                document,
                actor=api_actor(principal.key_id),
            )
        return data.contract_detail(stored, dt.date.today())

    return await run_in_threadpool(write)


@router.post(
    "/revrec/contracts/{contract_id}/progress",
    response_model=ContractDetail,
    status_code=201,
    summary="Record a progress measurement (audited as revrec_contract.progress)",
)
async def post_progress(
    context: ContextDep,
    principal: PrincipalDep,
    contract_id: ContractIdPath,
    body: ProgressMeasureIn,
) -> ContractDetail:
    def write() -> ContractDetail:
        with context.store.write() as session:
            stored = contract_store.add_progress(
                session,
                principal.tenant_id,
                contract_id,
                body.obligation,
                body.on,
                str(body.percent),
                actor=api_actor(principal.key_id),
            )
        return data.contract_detail(stored, dt.date.today())

    return await run_in_threadpool(write)
