"""Payables and bank: AP aging, open bills, bank reconciliation and its resolutions.

Finance and admin keys only (Area.AP). Reports are read from the tenant's published
snapshot (memoised per snapshot); finance's resolutions of bank lines live in the
operational store, and adding one is appended to the audit log in the same transaction.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool

from revlake.api.deps import ContextDep, PageDep, PrincipalDep, RoleDep, SnapshotDep, TenantDep
from revlake.api.routes import json_from_snapshot
from revlake.finance.reconciliation import DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS
from revlake.queries import ap, precompute
from revlake.queries.params import IsoDate
from revlake.reader.answers import stored_answer
from revlake.schemas.ap import (
    ApAging,
    ApBillPage,
    BankReconciliation,
    BankResolutionIn,
    BankResolutionOut,
    BankResolutions,
)
from revlake.store.actors import api_actor
from revlake.store.bank_matches import (
    ResolutionInput,
    add_resolution,
    list_resolutions,
    validate_resolution,
)
from revlake.store.roles import Area

router = APIRouter(tags=["ap"], dependencies=[RoleDep(Area.AP)])

AsOfQuery = Annotated[
    IsoDate | None,
    Query(description="YYYY-MM-DD; default: the last bill event in the data"),
]


@router.get(
    "/ap/aging",
    response_model=ApAging,
    summary="Accounts payable aging on a date: open vendor balances by bucket and vendor",
)
async def get_ap_aging(snapshot: SnapshotDep, as_of: AsOfQuery = None) -> Response:
    return await json_from_snapshot(
        snapshot, ("ap-aging", as_of), lambda: ap.ap_aging(snapshot, as_of)
    )


@router.get(
    "/ap/bills",
    response_model=ApBillPage,
    summary="Vendor bills with their open balance, days past due and status",
)
async def get_ap_bills(
    snapshot: SnapshotDep,
    page: PageDep,
    status: Annotated[
        str, Query(pattern="^(open|overdue|paid|all)$", description="open, overdue, paid or all")
    ] = "open",
    vendor: Annotated[
        str | None, Query(max_length=200, description="Part of the vendor name")
    ] = None,
    as_of: AsOfQuery = None,
) -> Response:
    return await json_from_snapshot(
        snapshot,
        ("ap-bills", status, vendor, as_of, page.limit, page.offset),
        lambda: ap.ap_bills(snapshot, status, vendor, as_of, page),
    )


@router.get(
    "/ap/bank/reconciliation",
    response_model=BankReconciliation,
    summary="Bank lines matched to customer payments, payouts and bill payments",
)
async def get_bank_reconciliation(
    snapshot: SnapshotDep,
    context: ContextDep,
    tenant: TenantDep,
    from_: Annotated[IsoDate | None, Query(alias="from", description="First bank date")] = None,
    to: Annotated[IsoDate | None, Query(description="Last bank date")] = None,
    window_days: Annotated[
        int, Query(ge=0, le=MAX_WINDOW_DAYS, description="Date tolerance in days")
    ] = DEFAULT_WINDOW_DAYS,
    limit: Annotated[int, Query(ge=1, le=1000, description="Entries per list")] = 100,
) -> Response:
    def answer() -> bytes:
        with context.store.read() as session:
            resolutions, stamp = ap.stored_resolutions(session, tenant)
        key = precompute.bank_key(from_, to, window_days, limit, stamp)

        def compute() -> bytes:  # the default view is stored at publish, per stamp
            stored = stored_answer(snapshot, key)
            if stored is not None:
                return stored
            return precompute.json_body(
                ap.bank_reconciliation(snapshot, from_, to, window_days, limit, resolutions, stamp)
            )

        return snapshot.memo(("json", *key), compute)

    # Not `json_from_snapshot`: the answer also depends on finance's resolutions in the
    # store, so it must not carry X-Revlake-Snapshot (the snapshot response cache would
    # replay it after a resolution is added). The build is named in the body instead.
    return Response(
        content=await run_in_threadpool(answer),
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


@router.get(
    "/ap/bank/resolutions",
    response_model=BankResolutions,
    summary="Finance's resolutions of bank lines, oldest first",
)
def get_bank_resolutions(context: ContextDep, tenant: TenantDep) -> BankResolutions:
    with context.store.read() as session:
        rows = list_resolutions(session, tenant_id=tenant)
        return BankResolutions(items=[ap.resolution_out(r) for r in rows])


@router.post(
    "/ap/bank/resolutions",
    response_model=BankResolutionOut,
    status_code=201,
    summary="Match a bank line to a payment by hand, or dismiss it (audited)",
)
async def post_bank_resolution(
    context: ContextDep,
    principal: PrincipalDep,
    snapshot: SnapshotDep,
    body: BankResolutionIn,
) -> BankResolutionOut:
    resolution = ResolutionInput(
        transaction_id=body.transaction_id,
        action=body.action,
        payment_kind=body.payment_kind,
        payment_id=body.payment_id,
        note=body.note,
    )

    def write() -> BankResolutionOut:
        clean = validate_resolution(resolution)
        ap.check_resolution_targets(snapshot, clean)
        with context.store.write() as session:
            row = add_resolution(
                session,
                tenant_id=principal.tenant_id,
                resolution=clean,
                author=api_actor(principal.key_id),
            )
            return ap.resolution_out(row)

    return await run_in_threadpool(write)
