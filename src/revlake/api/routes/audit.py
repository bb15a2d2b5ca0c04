"""The audit log of the caller's tenant, verification of the whole chain, its signed head."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from revlake.api.deps import ContextDep, RoleDep, TenantDep
from revlake.schemas.common import AuditCheckpoint, AuditEntries, AuditEntryOut, AuditVerify
from revlake.store.anchors import audit_secret, head_checkpoint, load_checkpoints
from revlake.store.audit import list_entries, verify_chain
from revlake.store.roles import Area

router = APIRouter(tags=["audit"], dependencies=[RoleDep(Area.AUDIT)])


@router.get(
    "/audit/verify",
    response_model=AuditVerify,
    summary="Recompute the SHA-256 chain and check the key, role and tenant tables against it",
)
def audit_verify(context: ContextDep) -> AuditVerify:
    root = context.workspace.root
    anchors = [(c.seq, c.hash) for c in load_checkpoints(root, audit_secret(root))]
    with context.store.read() as session:
        return AuditVerify.model_validate(verify_chain(session, anchors=anchors).as_dict())


@router.get(
    "/audit/head",
    response_model=AuditCheckpoint,
    summary="The chain head (seq, hash), signed: record it elsewhere to anchor the chain",
)
def audit_head(context: ContextDep) -> AuditCheckpoint:
    with context.store.read() as session:
        checkpoint = head_checkpoint(session, audit_secret(context.workspace.root))
    return AuditCheckpoint.model_validate(checkpoint.as_dict())


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
            changes=r.changes_value,
            problem=r.problem,
        )
        for r in rows
    ]
    more = len(items) == limit
    last = rows[-1].seq if more and rows else None
    return AuditEntries(items=items, next_before_seq=last)
