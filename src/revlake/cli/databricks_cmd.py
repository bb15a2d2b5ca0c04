"""`revlake export-job databricks` and `revlake spark load-bronze`: the job on a cluster."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from revlake.cli.common import (
    TenantOption,
    WorkspaceOption,
    console,
    open_workspace,
    resolve_tenant,
)
from revlake.errors import InputError
from revlake.transform.databricks import DatabricksJobOptions, databricks_job, load_bronze_to_spark

export_job_app = typer.Typer(
    help="Write a job definition that runs revlake's job elsewhere.", no_args_is_help=True
)
spark_app = typer.Typer(help="Steps that run inside a Spark cluster.", no_args_is_help=True)


@export_job_app.command("databricks")
def export_job_databricks(
    git_url: Annotated[
        str, typer.Option("--git-url", help="Repository holding revlake's dbt project.")
    ],
    workspace_path: Annotated[
        str, typer.Option("--workspace-path", help="The revlake workspace on a volume (absolute).")
    ],
    wheel: Annotated[str, typer.Option("--wheel", help="Path of the revlake wheel on Databricks.")],
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    git_branch: Annotated[str, typer.Option("--git-branch")] = "main",
    catalog: Annotated[str, typer.Option("--catalog", help="Unity Catalog catalog.")] = "main",
    bronze_schema: Annotated[
        str, typer.Option("--bronze-schema", help="Prefix of the bronze schema (+ _<tenant>).")
    ] = "bronze",
    target_schema: Annotated[
        str, typer.Option("--target-schema", help="dbt's default schema on Databricks.")
    ] = "revlake",
    node_type: Annotated[str, typer.Option("--node-type")] = "i3.xlarge",
    num_workers: Annotated[int, typer.Option("--num-workers")] = 2,
    schedule: Annotated[
        str | None, typer.Option("--schedule", help="Quartz cron, e.g. '0 0 2 * * ?'.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the JSON here instead of stdout.")
    ] = None,
) -> None:
    """Write a Databricks Workflows job (JSON): ingest → load bronze → dbt build."""
    opened = open_workspace(workspace)
    tenant_id = resolve_tenant(opened, tenant)
    options = DatabricksJobOptions(
        git_url=git_url,
        workspace_path=workspace_path,
        wheel_path=wheel,
        git_branch=git_branch,
        catalog=catalog,
        bronze_schema=bronze_schema,
        target_schema=target_schema,
        node_type_id=node_type,
        num_workers=num_workers,
        schedule=schedule,
    )
    text = json.dumps(databricks_job(opened, tenant_id, options), indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror}") from None
    console.print(f"wrote {out}")


@spark_app.command("load-bronze")
def spark_load_bronze(
    database: Annotated[str, typer.Option("--database", help="Target [catalog.]schema.")],
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    table_format: Annotated[str, typer.Option("--format", help="Table format.")] = "delta",
) -> None:
    """Copy the tenant's bronze tables into Spark tables (run inside the cluster's job)."""
    from pyspark.sql import SparkSession

    opened = open_workspace(workspace)
    tenant_id = resolve_tenant(opened, tenant)
    spark = SparkSession.builder.getOrCreate()
    counts = load_bronze_to_spark(
        spark,
        opened.bronze_path(tenant_id),
        opened.tenant_dir(tenant_id) / "spark-staging",
        database,
        table_format=table_format,
    )
    for table, rows in sorted(counts.items()):
        console.print(f"{database}.{table}: {rows:,} rows")


def register(app: typer.Typer) -> None:
    app.add_typer(export_job_app, name="export-job")
    app.add_typer(spark_app, name="spark")
