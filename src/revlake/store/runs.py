"""Pipeline run history and snapshot publishes, each recorded with an audit entry.

Pipeline steps call `start_run` when they begin and `finish_run` when they end, and
`record_publish` in the transaction that makes a new snapshot the one readers see.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from revlake.errors import InputError
from revlake.store.audit import append_audit, field_changes
from revlake.store.canonical import to_jsonable
from revlake.store.models import PipelineRun
from revlake.store.tenants import get_tenant
from revlake.store.types import utc_now


class RunStatus(StrEnum):
    """Where a run stands."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


def start_run(session: Session, *, tenant_id: str, kind: str, actor: str) -> PipelineRun:
    """Record that a pipeline step started (audited as `run.started`)."""
    get_tenant(session, tenant_id)
    run = PipelineRun(
        tenant_id=tenant_id,
        kind=kind,
        status=RunStatus.RUNNING.value,
        started_at=utc_now(),
        finished_at=None,
        snapshot=None,
        summary={},
        error=None,
    )
    session.add(run)
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="run.started",
        entity="pipeline_run",
        entity_id=str(run.id),
        tenant_id=tenant_id,
        changes=field_changes(None, {"kind": kind, "status": run.status}),
    )
    return run


def finish_run(
    session: Session,
    run_id: int,
    *,
    status: RunStatus,
    actor: str,
    summary: Mapping[str, Any] | None = None,
    snapshot: str | None = None,
    error: str | None = None,
) -> PipelineRun:
    """Record how a run ended (audited as `run.finished` with the fields that changed).

    `summary` holds what the data-health page shows: test results, rejects counts, rows.
    """
    if status is RunStatus.RUNNING:
        raise InputError("a run finishes as succeeded or failed, not running")
    run = session.get(PipelineRun, run_id)
    if run is None:
        raise InputError(f"no pipeline run with id {run_id}")
    if run.status != RunStatus.RUNNING.value:
        raise InputError(f"pipeline run {run_id} already finished ({run.status})")
    before = {"status": run.status, "snapshot": run.snapshot, "summary": run.summary, "error": None}
    clean_summary = to_jsonable(dict(summary or {}))
    run.status = status.value
    run.finished_at = utc_now()
    run.snapshot = snapshot
    run.summary = clean_summary if isinstance(clean_summary, dict) else {}
    run.error = error
    session.flush()
    after = {"status": run.status, "snapshot": snapshot, "summary": run.summary, "error": error}
    append_audit(
        session,
        actor=actor,
        action="run.finished",
        entity="pipeline_run",
        entity_id=str(run.id),
        tenant_id=run.tenant_id,
        changes=field_changes(before, after),
    )
    return run


def record_publish(
    session: Session,
    *,
    tenant_id: str,
    snapshot: str,
    actor: str,
    previous: str | None = None,
    run_id: int | None = None,
    command: str | None = None,
) -> None:
    """Record that `snapshot` is now the tenant's published one (audit: `snapshot.published`).

    Called by `revlake.store.publish.publish_audited` in the transaction that swaps the
    published pointer.
    """
    get_tenant(session, tenant_id)
    changes = field_changes({"published": previous}, {"published": snapshot})
    if run_id is not None:
        changes["run_id"] = {"before": None, "after": run_id}
    if command is not None:
        changes["command"] = {"before": None, "after": command}
    append_audit(
        session,
        actor=actor,
        action="snapshot.published",
        entity="snapshot",
        entity_id=snapshot,
        tenant_id=tenant_id,
        changes=changes,
    )


def list_runs(session: Session, *, tenant_id: str, limit: int = 50) -> list[PipelineRun]:
    """A tenant's runs, newest first."""
    statement = (
        select(PipelineRun)
        .where(PipelineRun.tenant_id == tenant_id)
        .order_by(PipelineRun.started_at.desc(), PipelineRun.id.desc())
        .limit(limit)
    )
    return list(session.execute(statement).scalars())
