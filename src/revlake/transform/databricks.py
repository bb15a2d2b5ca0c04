"""Run revlake's job on a Databricks cluster: the Workflows job definition and its bronze step.

`revlake export-job databricks` writes a Jobs API 2.1 job (JSON) with three tasks that
mirror `revlake run`:

1. `ingest` — `revlake ingest` (the revlake wheel) on the driver, with the workspace on a
   Unity Catalog volume: the same exactly-once ingest into the tenant's bronze DuckDB;
2. `load_bronze` — `revlake spark load-bronze` copies every bronze table into Delta tables
   of `<catalog>.<bronze_schema>` (all columns strings, as bronze's contract says);
3. `build` — a dbt task running the shipped dbt project with dbt-databricks against those
   tables (`bronze_database` = the catalog), writing silver and gold; its tests gate the
   job like they gate a local publish.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from revlake.errors import InputError
from revlake.transform.project import dbt_vars
from revlake.transform.spark import export_bronze_parquet, parquet_file_name
from revlake.workspace import Workspace

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

PROJECT_SUBDIR = "src/revlake/transform/dbt_project"
DBT_DATABRICKS = "dbt-databricks>=1.11,<1.12"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,254}$")
_QUARTZ = re.compile(r"^\S+( \S+){5,6}$")


@dataclass(frozen=True)
class DatabricksJobOptions:
    """Where things live on Databricks and how big the cluster is."""

    git_url: str
    workspace_path: str  # the revlake workspace on a volume, e.g. /Volumes/main/revlake/ws
    wheel_path: str  # the revlake wheel on a volume or workspace files
    git_branch: str = "main"
    catalog: str = "main"
    bronze_schema: str = "bronze"
    target_schema: str = "revlake"
    spark_version: str = "15.4.x-scala2.12"
    node_type_id: str = "i3.xlarge"
    num_workers: int = 2
    schedule: str | None = None  # Quartz cron, e.g. "0 0 2 * * ?"
    timezone: str = "UTC"


def _check_options(options: DatabricksJobOptions) -> None:
    for name in ("catalog", "bronze_schema", "target_schema"):
        value = getattr(options, name)
        if not _IDENTIFIER.match(value):
            raise InputError(f"--{name.replace('_', '-')} {value!r}: not a valid identifier")
    if not options.git_url.startswith(("https://", "git@", "ssh://")):
        raise InputError(f"--git-url {options.git_url!r}: expected an https:// or ssh git URL")
    if not options.workspace_path.startswith("/"):
        raise InputError(f"--workspace-path {options.workspace_path!r}: must be absolute")
    if not options.wheel_path.endswith(".whl"):
        raise InputError(f"--wheel {options.wheel_path!r}: expected a .whl file")
    if options.num_workers < 0:
        raise InputError(f"--num-workers must be 0 or more (got {options.num_workers})")
    if options.schedule is not None and not _QUARTZ.match(options.schedule):
        raise InputError(
            f"--schedule {options.schedule!r}: expected a Quartz cron expression "
            "(6 or 7 fields, e.g. '0 0 2 * * ?')"
        )


def databricks_job(
    workspace: Workspace, tenant: str, options: DatabricksJobOptions
) -> dict[str, Any]:
    """The Jobs API 2.1 definition that runs ingest → load bronze → dbt build for `tenant`."""
    tenant_id = workspace.tenant(tenant).id
    _check_options(options)
    wheel_task = {"package_name": "revlake", "entry_point": "revlake"}
    common = ["--workspace", options.workspace_path, "--tenant", tenant_id]
    variables = dbt_vars(
        workspace.settings,
        bronze_database=options.catalog,
        bronze_schema=f"{options.bronze_schema}_{tenant_id.replace('-', '_')}",
    )
    job: dict[str, Any] = {
        "name": f"revlake {tenant_id}",
        "max_concurrent_runs": 1,  # one writer per workspace, as the local lock ensures
        "git_source": {
            "git_url": options.git_url,
            "git_provider": _git_provider(options.git_url),
            "git_branch": options.git_branch,
        },
        "job_clusters": [
            {
                "job_cluster_key": "revlake",
                "new_cluster": {
                    "spark_version": options.spark_version,
                    "node_type_id": options.node_type_id,
                    "num_workers": options.num_workers,
                    "data_security_mode": "SINGLE_USER",
                },
            }
        ],
        "tasks": [
            {
                "task_key": "ingest",
                "job_cluster_key": "revlake",
                "python_wheel_task": {**wheel_task, "parameters": ["ingest", *common]},
                "libraries": [{"whl": options.wheel_path}],
            },
            {
                "task_key": "load_bronze",
                "depends_on": [{"task_key": "ingest"}],
                "job_cluster_key": "revlake",
                "python_wheel_task": {
                    **wheel_task,
                    "parameters": [
                        "spark",
                        "load-bronze",
                        *common,
                        "--database",
                        f"{options.catalog}.{variables['bronze_schema']}",
                    ],
                },
                "libraries": [{"whl": options.wheel_path}],
            },
            {
                "task_key": "build",
                "depends_on": [{"task_key": "load_bronze"}],
                "job_cluster_key": "revlake",
                "dbt_task": {
                    "project_directory": PROJECT_SUBDIR,
                    "commands": [f"dbt build --vars '{json.dumps(variables, sort_keys=True)}'"],
                    "catalog": options.catalog,
                    "schema": options.target_schema,
                    "source": "GIT",
                },
                "libraries": [{"pypi": {"package": DBT_DATABRICKS}}],
            },
        ],
    }
    if options.schedule:
        job["schedule"] = {
            "quartz_cron_expression": options.schedule,
            "timezone_id": options.timezone,
            "pause_status": "UNPAUSED",
        }
    return job


def _git_provider(url: str) -> str:
    for host, provider in (
        ("github.com", "gitHub"),
        ("gitlab", "gitLab"),
        ("dev.azure.com", "azureDevOpsServices"),
        ("bitbucket", "bitbucketCloud"),
    ):
        if host in url:
            return provider
    return "gitHub"


def load_bronze_to_spark(
    spark: SparkSession,
    bronze: Path,
    staging_dir: Path,
    database: str,
    *,
    table_format: str = "delta",
) -> dict[str, int]:
    """Copy every bronze table into `database` (managed tables, all strings); rows per table.

    The tables are replaced whole: bronze is the source of truth and keeps every version.
    """
    if not all(_IDENTIFIER.match(part) for part in database.split(".")):
        raise InputError(f"--database {database!r}: expected [catalog.]schema")
    tables = export_bronze_parquet(bronze, staging_dir)
    spark.sql(f"create schema if not exists {database}")
    counts: dict[str, int] = {}
    for table, columns in tables.items():
        schema = ", ".join(f"`{c}` string" for c in columns)
        location = (staging_dir / parquet_file_name(table)).resolve()
        frame = spark.read.schema(schema).parquet(str(location))
        frame.write.format(table_format).mode("overwrite").saveAsTable(f"{database}.`{table}`")
        counts[table] = int(spark.table(f"{database}.`{table}`").count())
    return counts
