"""Pipeline run history and snapshot publishes, each recorded with an audit entry.

Pipeline steps call `start_run` when they begin and `finish_run` when they end, and
`record_publish` in the transaction that makes a new snapshot the one readers see.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from revlake.errors import InputError
from revlake.store.audit import append_audit, field_changes
from revlake.store.canonical import to_jsonable
from revlake.store.models import PipelineRun
from revlake.store.tenants import get_tenant, next_tenant_number
from revlake.store.types import utc_now


class RunStatus(StrEnum):
    """Where a run stands."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ABANDONED = "abandoned"  # its process died without finishing it (e.g. kill -9)


def process_start_time(pid: int) -> float | None:
    """When process `pid` started (seconds since the epoch), None if there is no such process.

    Read from /proc (Linux); elsewhere only whether the process exists is known (then the
    current time is returned for a live process, which never looks younger than a run).
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # exists, owned by someone else
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[19])  # field 22 of stat: start time in clock ticks after boot
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None if not Path("/proc").is_dir() else time.time()


def _runner() -> dict[str, Any]:
    return {"pid": os.getpid(), "host": socket.gethostname()}


def start_run(session: Session, *, tenant_id: str, kind: str, actor: str) -> PipelineRun:
    """Record that a pipeline step started (audited as `run.started`).

    The run's summary names the process running it (`pid`, `host`) until it finishes, so
    that a run whose process died can be told from one still going (`abandon_dead_runs`).
    """
    get_tenant(session, tenant_id)
    run = PipelineRun(
        tenant_id=tenant_id,
        number=next_tenant_number(session, PipelineRun, tenant_id),
        kind=kind,
        status=RunStatus.RUNNING.value,
        started_at=utc_now(),
        finished_at=None,
        snapshot=None,
        summary={"runner": _runner()},
        error=None,
    )
    session.add(run)
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="run.started",
        entity="pipeline_run",
        entity_id=str(run.number),
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
    if status in (RunStatus.RUNNING, RunStatus.ABANDONED):
        raise InputError("a run finishes as succeeded or failed")
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
        entity_id=str(run.number),
        tenant_id=run.tenant_id,
        changes=field_changes(before, after),
    )
    return run


def abandon_dead_runs(session: Session, *, tenant_id: str | None, actor: str) -> list[PipelineRun]:
    """Mark `running` runs whose process is gone as `abandoned` (audited as `run.abandoned`).

    A run is judged only on the host that started it: its pid no longer exists, or the
    process with that pid started after the run did (the pid was reused). The evidence
    (pid, host, start time, why) goes into the run's error and the audit entry. Runs of
    another host, or without a recorded pid (older runs), are left as they are.
    """
    statement = select(PipelineRun).where(PipelineRun.status == RunStatus.RUNNING.value)
    if tenant_id is not None:
        statement = statement.where(PipelineRun.tenant_id == tenant_id)
    host = socket.gethostname()
    abandoned = []
    for run in session.execute(statement).scalars():
        runner = (run.summary or {}).get("runner") or {}
        pid = runner.get("pid")
        if runner.get("host") != host or not isinstance(pid, int):
            continue
        started = process_start_time(pid)
        if started is not None and started <= run.started_at.timestamp() + 1:
            continue  # the process that started the run is still there
        why = "no longer exists" if started is None else "was reused by a newer process"
        evidence = (
            f"abandoned: its process (pid {pid} on {host}, run started "
            f"{run.started_at.isoformat(timespec='seconds')}) {why}"
        )
        before = {"status": run.status, "error": run.error}
        run.status = RunStatus.ABANDONED.value
        run.finished_at = utc_now()
        run.error = evidence
        session.flush()
        append_audit(
            session,
            actor=actor,
            action="run.abandoned",
            entity="pipeline_run",
            entity_id=str(run.number),
            tenant_id=run.tenant_id,
            changes={
                **field_changes(before, {"status": run.status, "error": evidence}),
                "evidence": {
                    "before": None,
                    "after": {"pid": pid, "host": host, "started_at": run.started_at},
                },
            },
        )
        abandoned.append(run)
    return abandoned


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
