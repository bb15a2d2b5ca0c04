"""The audit log of the caller's tenant, and verification of the whole chain."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query

from revlake.api.deps import ContextDep, RoleDep, TenantDep
from revlake.api.schemas import AuditEntries, AuditEntryOut, AuditVerify
from revlake.store.audit import list_entries, verify_chain
from revlake.store.roles import Area

router = APIRouter(tags=["audit"], dependencies=[RoleDep(Area.AUDIT)])


@router.get(
    "/audit/verify",
    response_model=AuditVerify,
    summary="Recompute the SHA-256 chain; names the first modified/deleted/inserted entry",
)
def audit_verify(context: ContextDep) -> AuditVerify:
    with context.store.read() as session:
        return AuditVerify.model_validate(verify_chain(session).as_dict())


@router.get(
    "/audit",
    response_model=AuditEntries,
    summary="Audit entries of the key's tenant, newest first (page with before_seq)",
)
def audit_entries(
    context: ContextDep,
    tenant: TenantDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before_seq: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> AuditEntries:
    with context.store.read() as session:
        rows = list_entries(session, tenant_id=tenant, limit=limit, before_seq=before_seq)
        items = [
            AuditEntryOut(
                seq=r.seq,
                at=r.at,
                actor=r.actor,
                action=r.action,
                entity=r.entity,
                entity_id=r.entity_id,
                changes=json.loads(r.changes),
            )
            for r in rows
        ]
    more = len(items) == limit
    return AuditEntries(items=items, next_before_seq=items[-1].seq if more and items else None)
