"""`revlake export-job databricks` and the bronze → Spark step the job runs on a cluster."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from revlake.errors import InputError
from revlake.ingest import run_ingest
from revlake.transform.databricks import (
    PROJECT_SUBDIR,
    DatabricksJobOptions,
    databricks_job,
    load_bronze_to_spark,
)
from revlake.transform.project import PROJECT_DIR
from revlake.transform.spark import local_spark_session
from revlake.workspace import Workspace, init_workspace

OPTIONS = DatabricksJobOptions(
    git_url="https://github.com/example/revlake.git",
    workspace_path="/Volumes/main/revlake/ws",
    wheel_path="/Volumes/main/revlake/wheels/revlake-0.1.0-py3-none-any.whl",
    schedule="0 0 2 * * ?",
)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    workspace = init_workspace(tmp_path / "ws", tenants=["acme"], reporting_currency="EUR")
    (workspace.landing_dir("acme") / "subs.csv").write_text(
        "subscription_id,customer_id,start_date,end_date,monthly_amount\n"
        "s1,c1,2024-01-01,,100\ns2,c2,2024-02-01,2024-06-01,50\ns3,c1,2024-03-01,,25\n",
        encoding="utf-8",
    )
    return workspace


def test_job_runs_ingest_then_bronze_then_dbt(workspace: Workspace) -> None:
    job = databricks_job(workspace, "acme", OPTIONS)
    tasks = {task["task_key"]: task for task in job["tasks"]}
    assert list(tasks) == ["ingest", "load_bronze", "build"]
    assert tasks["load_bronze"]["depends_on"] == [{"task_key": "ingest"}]
    assert tasks["build"]["depends_on"] == [{"task_key": "load_bronze"}]
    assert tasks["ingest"]["python_wheel_task"]["parameters"][:1] == ["ingest"]
    load = tasks["load_bronze"]["python_wheel_task"]["parameters"]
    assert load[:2] == ["spark", "load-bronze"]
    assert load[load.index("--database") + 1] == "main.bronze_acme"
    dbt = tasks["build"]["dbt_task"]
    command = dbt["commands"][0]
    variables = json.loads(command[command.index("'") + 1 : command.rindex("'")])
    assert variables["bronze_database"] == "main"
    assert variables["bronze_schema"] == "bronze_acme"
    assert variables["reporting_currency"] == "EUR"  # the workspace's settings travel along
    assert (Path(__file__).resolve().parents[2] / PROJECT_SUBDIR) == PROJECT_DIR
    assert job["max_concurrent_runs"] == 1
    assert job["schedule"]["quartz_cron_expression"] == "0 0 2 * * ?"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"catalog": "main; drop"}, "--catalog"),
        ({"schedule": "daily"}, "Quartz"),
        ({"git_url": "ftp://x"}, "--git-url"),
        ({"workspace_path": "relative/ws"}, "absolute"),
        ({"wheel_path": "/Volumes/x/revlake.tar.gz"}, ".whl"),
    ],
)
def test_bad_options_are_named(workspace: Workspace, change: dict[str, str], message: str) -> None:
    options = DatabricksJobOptions(**{**OPTIONS.__dict__, **change})
    with pytest.raises(InputError, match=message):
        databricks_job(workspace, "acme", options)


def test_cli_writes_the_job_and_rejects_bad_input(workspace: Workspace, tmp_path: Path) -> None:
    base = [sys.executable, "-m", "revlake", "export-job", "databricks", "-w", str(workspace.root)]
    required = ["--git-url", OPTIONS.git_url, "--workspace-path", OPTIONS.workspace_path]
    required += ["--wheel", OPTIONS.wheel_path]
    out = tmp_path / "job.json"
    ok = subprocess.run([*base, *required, "--out", str(out)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["name"] == "revlake acme"
    bad = subprocess.run([*base, *required, "--catalog", "1bad"], capture_output=True, text=True)
    assert bad.returncode == 2
    assert "--catalog" in bad.stderr


@pytest.mark.slow
def test_load_bronze_copies_every_table_to_spark(workspace: Workspace, tmp_path: Path) -> None:
    run_ingest(workspace, "acme")
    spark = local_spark_session(tmp_path / "warehouse")
    counts = load_bronze_to_spark(
        spark,
        workspace.bronze_path("acme"),
        tmp_path / "staging",
        "bronze_acme",
        table_format="parquet",
    )
    # every bronze table, and the detected formats the models parse its values with
    assert set(counts) == {"generic_subscriptions", "_column_formats"}
    assert counts["generic_subscriptions"] == 3
    assert counts["_column_formats"] > 0
    row = spark.sql(
        "select subscription_id, monthly_amount from bronze_acme.generic_subscriptions "
        "where subscription_id = 's2'"
    ).collect()[0]
    assert (row[0], row[1]) == ("s2", "50")  # all strings, as bronze keeps them
    con = duckdb.connect(str(workspace.bronze_path("acme")), read_only=True)
    try:
        columns = [r[0] for r in con.execute("describe generic_subscriptions").fetchall()]
    finally:
        con.close()
    assert spark.table("bronze_acme.generic_subscriptions").columns == columns
