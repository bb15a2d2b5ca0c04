"""`revlake build` as a library call: bronze → silver/gold in a new snapshot, publish if green.

`build_tenant` takes the workspace write lock for the whole build (bronze must not change
under it, and only one process may write the tenant's files).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from revlake.errors import InputError
from revlake.ingest.layouts import load_layouts
from revlake.transform import snapshots
from revlake.transform.catalog import schema_tables
from revlake.transform.coverage import CoverageReport, coverage_report, write_coverage
from revlake.transform.entities import contract_vars
from revlake.transform.formats import VAR_NAME, format_vars
from revlake.transform.incremental import (
    INCREMENTAL_EXCLUDES,
    MAX_INCREMENTAL_SHARE,
    BuildMode,
    BuildPlan,
    PlannedBuild,
    copy_published,
    plan_tenant_build,
    write_new_loads,
    write_state,
)
from revlake.transform.profile import duckdb_profile, write_profiles
from revlake.transform.project import GOLD_SCHEMA, PROJECT_DIR, SILVER_SCHEMA, dbt_vars
from revlake.transform.runner import DbtInvocation, NodeResult, invoke_dbt, require_started
from revlake.workspace import Workspace


@dataclass(frozen=True)
class BuildSummary:
    """What a build did and whether it was published."""

    tenant: str
    snapshot: Path | None  # the published file; None when nothing was published
    published: bool
    invocation: DbtInvocation
    gold_rows: dict[str, int] = field(default_factory=dict)
    wall_s: float = 0.0
    log_file: Path | None = None  # dbt's log of this build (info level)
    coverage: CoverageReport | None = None  # which sources fed each headline metric
    plan: BuildPlan | None = None  # full, incremental or up to date, and why (None: --select)

    @property
    def up_to_date(self) -> bool:
        """Nothing changed since the published build, so nothing was built (not a failure)."""
        return self.plan is not None and self.plan.mode is BuildMode.UP_TO_DATE

    @property
    def ok(self) -> bool:
        """Published, or already up to date."""
        return self.published or self.up_to_date

    def count(self, resource_types: tuple[str, ...], *statuses: str) -> int:
        return sum(
            1
            for n in self.invocation.nodes
            if n.resource_type in resource_types and (not statuses or n.status in statuses)
        )

    @property
    def models_built(self) -> int:
        return self.count(("model",), "success")

    @property
    def models_total(self) -> int:
        return self.count(("model",))

    @property
    def tests_passed(self) -> int:
        return self.count(("test", "unit_test"), "pass")

    @property
    def tests_failed(self) -> int:
        return self.count(("test", "unit_test"), "fail", "error")

    @property
    def tests_total(self) -> int:
        return self.count(("test", "unit_test"))

    @property
    def skipped(self) -> int:
        return self.count(("model", "test", "unit_test"), "skipped")

    @property
    def failures(self) -> list[NodeResult]:
        return [n for n in self.invocation.nodes if n.failed]

    @property
    def engine_s(self) -> float:
        """Time dbt reports spending inside nodes (mostly the engine's own work)."""
        return sum(n.execution_time_s for n in self.invocation.nodes)


def dbt_work_dir(workspace: Workspace, tenant_id: str) -> Path:
    """Where dbt's target/, logs/ and profiles for this tenant live (not published)."""
    return workspace.tenant_dir(tenant_id) / "dbt"


def build_tenant(
    workspace: Workspace,
    tenant_id: str,
    *,
    keep: int = snapshots.DEFAULT_KEEP,
    threads: int = 2,
    extra_vars: dict[str, Any] | None = None,
    select: str | None = None,
    on_node_finished: Callable[[str, str], None] | None = None,
    wait_s: float = 0.0,
    full: bool = False,
    max_incremental_share: float = MAX_INCREMENTAL_SHARE,
) -> BuildSummary:
    """Build the tenant's silver and gold into a new snapshot; publish it if all is green.

    Incremental unless `full` (revlake.transform.incremental): only the models fed by
    bronze loads that arrived since the published build are rebuilt, on a copy of it
    (unless they took more than `max_incremental_share` of the last build's model time:
    then everything is); when nothing arrived nothing is built (`up_to_date`). Raises
    InputError when the tenant has no bronze yet. A failing model or test leaves the
    published snapshot untouched, deletes the new file and returns published=False.
    With `select` (a dbt selection) only those nodes run, on top of a copy of the
    published build, so the published result is always complete (and the next build
    is a full one).
    Waits up to `wait_s` seconds for another command's workspace lock.
    """
    tenant_id = workspace.tenant(tenant_id).id
    with workspace.write_lock(f"revlake build --tenant {tenant_id}", timeout_s=wait_s):
        return _build_locked(
            workspace,
            tenant_id,
            keep=keep,
            threads=threads,
            extra_vars=extra_vars,
            select=select,
            on_node_finished=on_node_finished,
            full=full,
            max_incremental_share=max_incremental_share,
        )


def _build_locked(
    workspace: Workspace,
    tenant_id: str,
    *,
    keep: int,
    threads: int,
    extra_vars: dict[str, Any] | None,
    select: str | None,
    on_node_finished: Callable[[str, str], None] | None,
    full: bool = False,
    max_incremental_share: float = MAX_INCREMENTAL_SHARE,
) -> BuildSummary:
    started = time.perf_counter()
    bronze = require_bronze(workspace, tenant_id)
    work = dbt_work_dir(workspace, tenant_id)
    current = snapshots.current_snapshot(workspace.snapshots_dir(tenant_id))
    variables = tenant_dbt_vars(workspace, bronze, extra_vars)
    planned: PlannedBuild | None = None
    if not select:
        planned = plan_tenant_build(
            current,
            bronze,
            project_dir=PROJECT_DIR,
            dbt_vars=variables,
            manifest=work / "target" / "manifest.json",
            full=full,
            max_share=max_incremental_share,
        )
        if planned.plan.mode is BuildMode.UP_TO_DATE:
            return up_to_date_summary(tenant_id, current, planned.plan, started)
    plan = planned.plan if planned else None
    building = snapshots.building_path(workspace.snapshots_dir(tenant_id))
    selection = select or (plan.selection if plan else None)
    if selection and current is not None:
        # a partial build rebuilds the selected models on top of a copy of the published
        # build, so that what it publishes is still a complete lakehouse (an incremental
        # one holds only what a fresh build holds: no scores or answers)
        copy_published(
            current, building, planned.previous if planned else None, (SILVER_SCHEMA, GOLD_SCHEMA)
        )
        if planned is not None and planned.incremental:
            write_new_loads(building, planned.new_loads())
    profiles_dir = work / "profiles"
    write_profiles(profiles_dir, build_profile(workspace, building, bronze, threads=threads))
    command = ["build"]
    if select:
        # only the tests whose parents are all selected (dbt's default also runs tests
        # that reach unselected, possibly unbuilt, models)
        command += ["--select", select, "--indirect-selection", "cautious"]
        # the keyed staging models are rebuilt whole: no new loads are recorded for them
        command += ["--full-refresh"]
    elif selection:
        # every test touching a rebuilt model: its other parents are in the copy
        command += ["--select", selection, *INCREMENTAL_EXCLUDES]
    invocation = invoke_dbt(
        command,
        project_dir=PROJECT_DIR,
        profiles_dir=profiles_dir,
        target_path=work / "target",
        log_path=work / "logs",
        dbt_vars=variables,
        on_node_finished=on_node_finished,
    )
    try:
        require_started(invocation, f"dbt build for tenant {tenant_id!r}")
    except Exception:
        snapshots.discard(building)
        raise
    if select and not any(n.resource_type == "model" for n in invocation.nodes):
        snapshots.discard(building)
        raise InputError(
            f"--select {select!r} selects no model of the dbt project: nothing was built "
            "(`revlake docs` lists the models)"
        )
    green = invocation.success and not any(n.failed for n in invocation.nodes)
    coverage: CoverageReport | None = None
    if green and not select:  # a partial build does not say what feeds the whole
        coverage = coverage_report(
            building, bronze, work / "target" / "manifest.json", load_layouts(workspace.root)
        )
        write_coverage(building, coverage)
    if green and building.is_file():
        if planned is not None:  # a --select build leaves no state: the next build is full
            planned.record(
                building, invocation.nodes, dbt_vars=variables, schemas=(SILVER_SCHEMA, GOLD_SCHEMA)
            )
        else:
            write_state(building, None)
    gold_rows = count_rows(building, GOLD_SCHEMA) if building.is_file() else {}
    snapshot: Path | None = None
    if green:
        from revlake.store.publish import publish_audited  # the store is loaded only here

        snapshot = snapshots.finalize(building)
        publish_audited(
            workspace, tenant_id, snapshot, command=f"revlake build --tenant {tenant_id}", keep=keep
        )
    else:
        snapshots.discard(building)
    return BuildSummary(
        tenant=tenant_id,
        snapshot=snapshot,
        published=green,
        invocation=invocation,
        gold_rows=gold_rows,
        wall_s=time.perf_counter() - started,
        log_file=work / "logs" / "dbt.log",
        coverage=coverage,
        plan=plan,
    )


def build_profile(
    workspace: Workspace, building: Path, bronze: Path, *, threads: int
) -> dict[str, object]:
    """The dbt-duckdb profile of a build into `building`, with the workspace's
    `build_memory_limit` (None: DuckDB's default of 80% of RAM)."""
    return duckdb_profile(
        building,
        bronze,
        threads=threads,
        memory_limit=workspace.settings.workspace.build_memory_limit,
    )


def up_to_date_summary(
    tenant_id: str, current: Path | None, plan: BuildPlan, started: float
) -> BuildSummary:
    """The summary of a build that found nothing to build (the published one stays)."""
    return BuildSummary(
        tenant=tenant_id,
        snapshot=current,
        published=False,
        invocation=DbtInvocation(success=True, nodes=(), error=None),
        wall_s=time.perf_counter() - started,
        plan=plan,
    )


def require_bronze(workspace: Workspace, tenant_id: str) -> Path:
    """The tenant's bronze database; InputError when nothing was ingested yet."""
    bronze = workspace.bronze_path(tenant_id)
    if not bronze.is_file():
        raise InputError(
            f"tenant {tenant_id!r} has no bronze database ({bronze}); run `revlake ingest` first"
        )
    return bronze


def tenant_dbt_vars(
    workspace: Workspace,
    bronze: Path,
    extra_vars: dict[str, Any] | None,
    *,
    engine: str = "duckdb",
) -> dict[str, Any]:
    """Every dbt var of a tenant's build on `engine`: the settings, the formats ingest
    detected in its bronze, the data contract's entities, then `extra_vars` (which win)."""
    years_ahead = workspace.settings.workspace.date_years_ahead
    return dbt_vars(
        workspace.settings,
        **{VAR_NAME: format_vars(bronze, engine=engine, years_ahead=years_ahead)},
        **contract_vars(workspace.root),
        **(extra_vars or {}),
    )


def count_rows(database: Path, schema: str) -> dict[str, int]:
    """Rows per table of `schema` in a DuckDB file."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        counts: dict[str, int] = {}
        for table in schema_tables(con, schema):
            row = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
            counts[table] = int(row[0]) if row else 0
        return counts
    finally:
        con.close()
