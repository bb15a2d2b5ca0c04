"""`revlake build --engine spark` as a library call: the same models on Spark, published as a build.

The models run on a Spark session (local by default; a cluster's through the workspace
settings `spark_master` and `spark_conf`) with dbt-spark, over the tenant's bronze
exported to Parquet. When every model and test passed, every table of the `silver` and
`gold` schemas is copied from Spark into a new DuckDB snapshot file (through Arrow, so
DECIMAL stays DECIMAL and dates stay dates), the coverage report is written into it as a
DuckDB build does, and it is published with `publish_audited`: the API, scoring and the
forecast read it exactly like a DuckDB build. A failing model or test publishes nothing.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from revlake.ingest.layouts import load_layouts
from revlake.transform import snapshots
from revlake.transform import spark as rs
from revlake.transform.build import (
    BuildSummary,
    count_rows,
    require_bronze,
    tenant_dbt_vars,
    up_to_date_summary,
)
from revlake.transform.coverage import CoverageReport, coverage_report, write_coverage
from revlake.transform.incremental import (
    INCREMENTAL_EXCLUDES,
    MAX_INCREMENTAL_SHARE,
    BuildMode,
    copy_published,
    plan_tenant_build,
)
from revlake.transform.project import GOLD_SCHEMA, PROJECT_DIR, SILVER_SCHEMA
from revlake.transform.runner import require_started
from revlake.workspace import Workspace

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import SparkSession

PUBLISHED_SCHEMAS = (SILVER_SCHEMA, GOLD_SCHEMA)
"""What a build publishes: the readers query gold, and silver (receivables' FX rates,
churn features, coverage) too."""


def spark_work_dir(workspace: Workspace, tenant_id: str) -> Path:
    """Where a Spark build keeps bronze as Parquet, its warehouse and dbt's files (not
    published). On a cluster this folder must be on storage every executor sees."""
    return workspace.tenant_dir(tenant_id) / "spark"


def build_tenant_on_spark(
    workspace: Workspace,
    tenant_id: str,
    *,
    keep: int = snapshots.DEFAULT_KEEP,
    threads: int = 2,
    extra_vars: dict[str, Any] | None = None,
    on_node_finished: Callable[[str, str], None] | None = None,
    wait_s: float = 0.0,
    full: bool = False,
    max_incremental_share: float = MAX_INCREMENTAL_SHARE,
) -> BuildSummary:
    """Build the tenant's silver and gold on Spark; publish them as a new snapshot if green.

    Same contract as `revlake.transform.build.build_tenant` (workspace write lock, InputError
    without bronze, nothing published when a model or test fails) and the same summary,
    and the same plan (`plan_tenant_build`): incremental unless `full`, nothing built when
    no bronze load arrived. An incremental build registers the published build's silver and
    gold as Spark tables, rebuilds the planned models on Spark and replaces them in a copy
    of the published file. The Spark session is created from the workspace settings and
    stopped afterwards (an up-to-date build starts none).
    """
    tenant_id = workspace.tenant(tenant_id).id
    command = f"revlake build --engine spark --tenant {tenant_id}"
    with workspace.write_lock(command, timeout_s=wait_s):
        return _build_locked(
            workspace,
            tenant_id,
            keep=keep,
            threads=threads,
            extra_vars=extra_vars,
            on_node_finished=on_node_finished,
            command=command,
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
    on_node_finished: Callable[[str, str], None] | None,
    command: str,
    full: bool,
    max_incremental_share: float,
) -> BuildSummary:
    started = time.perf_counter()
    bronze = require_bronze(workspace, tenant_id)
    rs.require_spark()
    work = spark_work_dir(workspace, tenant_id)
    current = snapshots.current_snapshot(workspace.snapshots_dir(tenant_id))
    # the vars dbt sees on Spark: their digest differs from a DuckDB build's, so a build
    # on one engine never continues one made on the other
    variables = {
        **tenant_dbt_vars(workspace, bronze, extra_vars, engine="spark"),
        **rs.spark_vars(),
    }
    planned = plan_tenant_build(
        current,
        bronze,
        project_dir=PROJECT_DIR,
        dbt_vars=variables,
        manifest=work / "spark-target" / "manifest.json",
        full=full,
        max_share=max_incremental_share,
    )
    if planned.plan.mode is BuildMode.UP_TO_DATE:
        return up_to_date_summary(tenant_id, current, planned.plan, started)
    # an in-memory catalog forgets tables between processes, but their files stay; a
    # CREATE TABLE over a non-empty location fails, so every build starts clean
    for stale in (work / "parquet", work / "published", work / "warehouse"):
        shutil.rmtree(stale, ignore_errors=True)
    settings = workspace.settings.workspace
    tables = rs.export_bronze_parquet(bronze, work / "parquet")
    building = snapshots.building_path(workspace.snapshots_dir(tenant_id))
    dbt_command = ["build"]
    session = rs.spark_session(
        work / "warehouse", master=settings.spark_master, conf=dict(settings.spark_conf)
    )
    try:
        rs.register_bronze(session, work / "parquet", tables)
        if planned.incremental and current is not None:
            # the models not rebuilt are read from the published build
            copy_published(current, building, planned.previous, PUBLISHED_SCHEMAS)
            rs.register_build_tables(session, building, PUBLISHED_SCHEMAS, work / "published")
            dbt_command += ["--select", str(planned.plan.selection), *INCREMENTAL_EXCLUDES]
        invocation = rs.run_dbt_on_spark(
            work,
            command=dbt_command,
            dbt_vars=variables,
            threads=threads,
            on_node_finished=on_node_finished,
        )
        require_started(invocation, f"dbt build on Spark for tenant {tenant_id!r}")
        green = invocation.success and not any(n.failed for n in invocation.nodes)
        if green:
            # a full build copies every table; an incremental one the models it rebuilt
            rebuilt = {n.name for n in invocation.of_type("model")}
            copy_schemas_to_duckdb(
                session, building, PUBLISHED_SCHEMAS, only=rebuilt if planned.incremental else None
            )
    except BaseException:
        snapshots.discard(building)
        raise
    finally:
        session.stop()
    coverage: CoverageReport | None = None
    gold_rows: dict[str, int] = {}
    snapshot: Path | None = None
    if not green:
        snapshots.discard(building)
    else:
        from revlake.store.publish import publish_audited  # the store is loaded only here

        try:
            coverage = coverage_report(
                building,
                bronze,
                work / "spark-target" / "manifest.json",
                load_layouts(workspace.root),
            )
            write_coverage(building, coverage)
            planned.record(
                building, invocation.nodes, dbt_vars=variables, schemas=PUBLISHED_SCHEMAS
            )
            gold_rows = count_rows(building, GOLD_SCHEMA)
        except BaseException:
            snapshots.discard(building)
            raise
        snapshot = snapshots.finalize(building)
        publish_audited(workspace, tenant_id, snapshot, command=command, keep=keep)
    return BuildSummary(
        tenant=tenant_id,
        snapshot=snapshot,
        published=green,
        invocation=invocation,
        gold_rows=gold_rows,
        wall_s=time.perf_counter() - started,
        log_file=work / "spark-logs" / "dbt.log",
        coverage=coverage,
        plan=planned.plan,
    )


def spark_tables(session: SparkSession, schema: str) -> list[str]:
    """The (non-temporary) tables and views of a Spark database, by name."""
    rows = session.sql(f"show tables in `{schema}`").collect()
    return sorted(str(row["tableName"]) for row in rows if not row["isTemporary"])


def as_duckdb_arrow(table: pa.Table) -> pa.Table:
    """Spark's Arrow batch as the DuckDB build types it: Spark timestamps (UTC instants,
    the session time zone is UTC) become naive UTC timestamps, as DuckDB's are."""
    import pyarrow as pa

    fields = [
        pa.field(f.name, pa.timestamp(f.type.unit), f.nullable)
        if pa.types.is_timestamp(f.type) and f.type.tz is not None
        else f
        for f in table.schema
    ]
    target = pa.schema(fields)
    return table if target.equals(table.schema) else table.cast(target)


def copy_schemas_to_duckdb(
    session: SparkSession,
    database: Path,
    schemas: tuple[str, ...],
    *,
    only: set[str] | None = None,
) -> dict[str, int]:
    """Copy every table of `schemas` (or those named in `only`) from Spark into the
    DuckDB file `database`, replacing a table of the same name there.

    Rows travel as Arrow through the driver (so a cluster's executors need no access to
    this machine); column types are kept (decimal(p,s) → DECIMAL(p,s), date → DATE,
    timestamp → TIMESTAMP). Returns rows per "schema.table".
    """
    counts: dict[str, int] = {}
    con = duckdb.connect(str(database))
    try:
        for schema in schemas:
            con.execute(f'create schema if not exists "{schema}"')
            for table in spark_tables(session, schema):
                if only is not None and table not in only:
                    continue
                frame = as_duckdb_arrow(session.table(f"`{schema}`.`{table}`").toArrow())
                con.register("spark_frame", frame)
                con.execute(
                    f'create or replace table "{schema}"."{table}" as select * from spark_frame'
                )
                con.unregister("spark_frame")
                counts[f"{schema}.{table}"] = frame.num_rows
    finally:
        con.close()
    return counts
