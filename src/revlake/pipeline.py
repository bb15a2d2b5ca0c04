"""`revlake run`: ingest → build → score (each registered model) → alerts as one recorded job.

Each run is a row of the operational store's run history (`start_run` / `finish_run`,
both audited) whose summary holds what the data-health page shows: files and rows
ingested, rejects, models and tests, rows per gold table, the snapshot published. Each
publish of the run (the build, then the scored copy) is an audited `snapshot.published`
event naming the run (`revlake.store.publish`).

Watch mode polls the tenant's landing folder and runs the job whenever the set of files
(path, size, modification time) changes; the ingest itself decides what is new by content
hash, so a touched-but-identical file costs a run that loads nothing and builds nothing.

A run that published a build evaluates the tenant's alert rules on it and delivers the
new alerts (`revlake.alerts`, docs/ALERTS.md); a delivery that fails is in the alert
log, not a failed run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from revlake.alerts import EvaluationSummary, evaluate_tenant
from revlake.errors import RevlakeError
from revlake.ingest import IngestSummary, run_ingest
from revlake.ingest.run import landing_files
from revlake.ml.churn_service import ChurnScoreSummary, models_root, score_churn_tenant
from revlake.ml.forecast_service import ForecastSummary, forecast_tenant
from revlake.ml.registry import list_versions, read_latest
from revlake.ml.service import ScoreSummary, batched_publish, score_tenant, tabular_models_dir
from revlake.queries.precompute import Precomputed, publishing_answers
from revlake.store.actors import os_actor
from revlake.store.models import PipelineRun
from revlake.store.publish import publishing_run
from revlake.store.runs import RunStatus, abandon_dead_runs, finish_run, list_runs, start_run
from revlake.store.tenants import sync_tenants
from revlake.store.workspace_store import open_store
from revlake.transform import snapshots
from revlake.transform.build import BuildSummary, build_tenant
from revlake.transform.incremental import BuildMode
from revlake.workspace import Workspace

RUN_KIND = "run"


@dataclass
class PipelineResult:
    """What one `revlake run` did."""

    tenant: str
    run_id: int  # the run's number within its tenant (what `revlake runs` and the API show)
    ingest: IngestSummary | None = None
    build: BuildSummary | None = None
    build_skipped_reason: str | None = None
    score: ScoreSummary | None = None
    churn: ChurnScoreSummary | None = None
    forecast: ForecastSummary | None = None
    alerts: EvaluationSummary | None = None
    precomputed: Precomputed | None = None
    error: str | None = None
    seconds: float = 0.0
    steps: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        ingest_ok = self.ingest is not None and self.ingest.exit_code == 0
        build_ok = self.build_skipped_reason is not None or (
            self.build is not None and self.build.ok
        )
        return self.error is None and ingest_ok and build_ok

    def summary(self) -> dict[str, Any]:
        """The run-history summary (JSON-able) the API and data-health page read."""
        result: dict[str, Any] = {"steps": self.steps, "seconds": round(self.seconds, 3)}
        if self.ingest is not None:
            result["ingest"] = {
                "load_id": self.ingest.load_id,
                "files": len(self.ingest.recorded),
                "files_unchanged": self.ingest.files_unchanged,
                "rows_loaded": self.ingest.rows_loaded,
                "rows_rejected": self.ingest.rows_rejected,
                "problems": [f"{p.path}: {p.message}" for p in self.ingest.problems],
                "quarantined": [p.path for p in self.ingest.quarantined],
                "deferred": [p.path for p in self.ingest.deferred],
            }
        if self.build is not None:
            result["build"] = {
                "published": self.build.published,
                "snapshot": self.build.snapshot.name if self.build.snapshot else None,
                "models_built": self.build.models_built,
                "models_total": self.build.models_total,
                "tests_passed": self.build.tests_passed,
                "tests_failed": self.build.tests_failed,
                "failures": [f"{n.resource_type} {n.name}" for n in self.build.failures],
                "gold_rows": dict(self.build.gold_rows),
                "coverage": [m.message for m in self.build.coverage.metrics]
                if self.build.coverage
                else [],
                "unread_tables": list(self.build.coverage.unread_tables)
                if self.build.coverage
                else [],
                "superseded": list(self.build.coverage.superseded) if self.build.coverage else [],
                "seconds": round(self.build.wall_s, 3),
                "mode": str(self.build.plan.mode) if self.build.plan else None,
                "reason": self.build.plan.reason if self.build.plan else None,
            }
        if self.build_skipped_reason:
            result["build_skipped"] = self.build_skipped_reason
        if self.score is not None:
            result["score"] = {
                "model_version": self.score.model_version,
                "snapshot": self.score.snapshot.name,
            }
        if self.forecast is not None and self.forecast.snapshot is not None:
            result["forecast"] = {
                "model_version": self.forecast.model_version,
                "snapshot": self.forecast.snapshot.name,
            }
        if self.precomputed is not None:
            result["precomputed"] = {
                "answers": len(self.precomputed.answers),
                "seconds": round(self.precomputed.seconds, 3),
                "skipped": list(self.precomputed.skipped),
            }
        if self.churn is not None:
            result["churn"] = {
                "model_version": self.churn.model_version,
                "snapshot": self.churn.snapshot.name,
                "customers_scored": self.churn.scores.num_rows,
            }
        if self.alerts is not None:
            result["alerts"] = self.alerts.summary()
        return result

    @property
    def published_snapshot(self) -> Path | None:
        """The snapshot this run left published: the last model step's copy, else the build."""
        for step in (self.churn, self.forecast, self.score):  # newest step first
            if step is not None and step.snapshot is not None:
                return step.snapshot
        if self.build is not None and self.build.published:
            return self.build.snapshot
        return None


def run_pipeline(
    workspace: Workspace,
    tenant: str,
    *,
    strict: bool = False,
    wait_s: float = 0.0,
    actor: str = "revlake run",
    force_build: bool = False,
    settle_s: float | None = None,
) -> PipelineResult:
    """Ingest the tenant's landing folder, then build and publish when there is new data.

    The build is skipped (and the run still succeeds) when the ingest loaded nothing new
    and a published snapshot exists, or when nothing was ever ingested, unless
    `force_build`. A strict ingest with rejects fails the run before the build.
    """
    tenant_id = workspace.tenant(tenant).id
    store = open_store(workspace)
    started = time.perf_counter()
    try:
        with store.write() as session:
            sync_tenants(session, workspace.settings.tenants, actor="revlake.toml")
            abandon_dead_runs(session, tenant_id=tenant_id, actor=actor)
            started_run = start_run(session, tenant_id=tenant_id, kind=RUN_KIND, actor=actor)
            row_id, run_number = started_run.id, started_run.number
        result = PipelineResult(tenant=tenant_id, run_id=run_number)
        try:
            with publishing_run(run_number, actor):
                _execute(
                    workspace,
                    result,
                    strict=strict,
                    wait_s=wait_s,
                    force_build=force_build,
                    settle_s=settle_s,
                )
                rules = workspace.tenant(tenant_id).alerts.rules
                if result.published_snapshot is not None and rules:
                    result.steps.append("alerts")
                    result.alerts = evaluate_tenant(workspace, tenant_id)
        except RevlakeError as exc:
            result.error = str(exc)
        result.seconds = time.perf_counter() - started
        published = result.published_snapshot
        with store.write() as session:
            finish_run(
                session,
                row_id,
                status=RunStatus.SUCCEEDED if result.ok else RunStatus.FAILED,
                actor=actor,
                summary=result.summary(),
                snapshot=published.name if published else None,
                error=result.error or _failure_text(result),
            )
        return result
    finally:
        store.dispose()


def run_history(workspace: Workspace, tenant: str | None, *, limit: int = 50) -> list[PipelineRun]:
    """Runs newest first (of one tenant, or all), after marking dead ones `abandoned`."""
    store = open_store(workspace)
    try:
        with store.write() as session:
            abandon_dead_runs(session, tenant_id=tenant, actor=os_actor())
        with store.read() as session:
            tenants = [tenant] if tenant else [t.id for t in workspace.settings.tenants]
            runs = [r for t in tenants for r in list_runs(session, tenant_id=t, limit=limit)]
        return sorted(runs, key=lambda r: (r.started_at, r.id), reverse=True)[:limit]
    finally:
        store.dispose()


def _execute(
    workspace: Workspace,
    result: PipelineResult,
    *,
    strict: bool,
    wait_s: float,
    force_build: bool,
    settle_s: float | None = None,
) -> None:
    result.steps.append("ingest")
    result.ingest = run_ingest(
        workspace, result.tenant, strict=strict, wait_s=wait_s, settle_s=settle_s
    )
    if strict and (result.ingest.rows_rejected or result.ingest.problems):
        return
    # Quarantined files fail the run (exit 1, named) but never stop the rest: what did
    # load is built and published (docs/INGEST.md, "Quarantine").
    new_data = bool(result.ingest.recorded)
    has_snapshot = snapshots.current_snapshot(workspace.snapshots_dir(result.tenant)) is not None
    if not (force_build or new_data or has_snapshot) and result.ingest.files_unchanged == 0:
        result.build_skipped_reason = "nothing ingested yet: drop exports into the landing folder"
        return
    # Even without new files the planner is asked (≈ 0.2 s): loads an earlier run ingested
    # but failed to publish (a failing test, a full disk, a crash) are built now, and a
    # changed setting or revlake version rebuilds; otherwise the published build stands.
    build = build_tenant(workspace, result.tenant, wait_s=wait_s, full=force_build)
    if build.plan is not None and build.plan.mode is BuildMode.UP_TO_DATE:
        result.build_skipped_reason = f"the published build is up to date: {build.plan.reason}"
        return
    result.steps.append("build")
    result.build = build
    if result.build.published:
        score_registered_models(workspace, result, wait_s=wait_s)


def score_registered_models(
    workspace: Workspace, result: PipelineResult, *, wait_s: float = 0.0
) -> None:
    """Re-run every registered model on the published build (scores live in snapshots).

    Win model: deal scores, then the forecast (a win model of deals without dates: the
    scores only); churn model: customer churn and LTV. All
    steps write into one copy of the build; the deal and forecast answers are then
    precomputed into it, and it is published once when every step succeeded (a failing
    step, precompute included, publishes none of them).
    """
    win = bool(list_versions(workspace, result.tenant))
    # a win model of deals without dates scores open deals too, but has no timing to
    # forecast with (docs/MODELS.md, "Models from data without dates")
    tabular = read_latest(tabular_models_dir(workspace, result.tenant)) is not None
    churn = read_latest(models_root(workspace, result.tenant)) is not None
    if not (win or tabular or churn):
        return
    command = f"revlake run --tenant {result.tenant} (scoring)"
    # the answers of the deal and forecast endpoints are computed on the finished copy,
    # before it is published (revlake.queries.precompute)
    with (
        publishing_answers(workspace, result.tenant) as publish,
        batched_publish(workspace, result.tenant, command, wait_s),
    ):
        if win or tabular:
            result.steps.append("score")
            result.score = score_tenant(workspace, result.tenant, wait_s=wait_s)
        if win:
            result.steps.append("forecast")
            result.forecast = forecast_tenant(workspace, result.tenant, publish=True, wait_s=wait_s)
        if churn:
            result.steps.append("churn")
            result.churn = score_churn_tenant(workspace, result.tenant, wait_s=wait_s)
    result.precomputed = publish.precomputed


def _failure_text(result: PipelineResult) -> str | None:
    if result.ingest is not None and result.ingest.quarantined:
        names = ", ".join(f.path for f in result.ingest.quarantined)
        return f"ingest: {len(result.ingest.quarantined)} file(s) quarantined: {names}"
    if result.ingest is not None and result.ingest.exit_code != 0:
        return (
            f"ingest: {result.ingest.rows_rejected} rejected row(s), "
            f"{len(result.ingest.problems)} problem file(s)"
        )
    if result.build is not None and not result.build.published:
        failed = ", ".join(f"{n.resource_type} {n.name}" for n in result.build.failures)
        return f"build not published: {failed or 'a model or test failed'}"
    return None


def landing_fingerprint(workspace: Workspace, tenant: str) -> tuple[tuple[str, int, int], ...]:
    """(path, size, mtime) of every landing file: changes when files arrive or change."""
    landing = workspace.landing_dir(tenant)
    entries = []
    for path in landing_files(landing):
        stat = path.stat()
        entries.append((str(Path(path).relative_to(landing)), stat.st_size, stat.st_mtime_ns))
    return tuple(entries)


def watch_pipeline(
    workspace: Workspace,
    tenant: str,
    *,
    interval_s: float = 10.0,
    strict: bool = False,
    max_polls: int | None = None,
    on_result: Callable[[PipelineResult], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Run the job at start and whenever the landing folder changes; returns runs made."""
    runs = 0
    last: tuple[tuple[str, int, int], ...] | None = None
    polls = 0
    while max_polls is None or polls < max_polls:
        polls += 1
        current = landing_fingerprint(workspace, tenant)
        if current != last:
            result = run_pipeline(workspace, tenant, strict=strict, actor="revlake run --watch")
            runs += 1
            last = current
            if on_result:
                on_result(result)
        if max_polls is None or polls < max_polls:
            sleep(interval_s)
    return runs
