"""`revlake run` end to end on a small synthetic company, plus the BI hand-offs."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from revlake.errors import InputError
from revlake.export import export_parquet, publish_postgres
from revlake.pipeline import run_history, run_pipeline, watch_pipeline
from revlake.store.audit import list_entries, verify_chain
from revlake.store.models import PipelineRun
from revlake.store.runs import list_runs
from revlake.store.workspace_store import open_store
from revlake.transform import snapshots
from revlake.transform.incremental import BuildMode
from revlake.workspace import Workspace, init_workspace
from tests.company_support import CompanySpec, GeneratedCompanies, copy_workspace
from tests.conftest import IN_CI
from tests.transform.drops_support import land, late_files

POSTGRES_URL = os.environ.get(
    "REVLAKE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/revlake_test"
)


@pytest.fixture(scope="module")
def company(generated_companies: GeneratedCompanies) -> Path:
    return generated_companies(CompanySpec(customers=80, seed=3)) / "exports"


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory, company: Path) -> Workspace:
    workspace = init_workspace(tmp_path_factory.mktemp("ws"), tenants=["acme"])
    shutil.copytree(company, workspace.landing_dir("acme"), dirs_exist_ok=True)
    result = run_pipeline(workspace, "acme")
    assert result.ok, result.summary()
    return workspace


def test_run_ingests_builds_publishes_and_records(ran: Workspace) -> None:
    published = snapshots.current_snapshot(ran.snapshots_dir("acme"))
    assert published is not None
    store = open_store(ran)
    try:
        with store.read() as session:
            runs = list_runs(session, tenant_id="acme")
            assert [r.status for r in runs] == ["succeeded"]
            summary = runs[0].summary
            assert summary["ingest"]["rows_loaded"] > 0
            assert summary["build"]["published"] is True
            assert summary["build"]["tests_failed"] == 0
            assert runs[0].snapshot == published.name
            assert verify_chain(session).ok
    finally:
        store.dispose()


def test_runs_command_lists_the_history(ran: Workspace) -> None:
    from typer.testing import CliRunner

    from revlake.cli.app import app

    result = CliRunner().invoke(app, ["runs", "--workspace", str(ran.root), "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert listed and listed[0]["tenant"] == "acme"
    assert {r["status"] for r in listed} <= {"succeeded", "failed"}
    assert [r.number for r in run_history(ran, "acme")] == [r["id"] for r in listed]


def test_second_run_without_new_files_skips_the_build(ran: Workspace) -> None:
    before = snapshots.current_snapshot(ran.snapshots_dir("acme"))
    result = run_pipeline(ran, "acme")
    assert result.ok
    assert result.build is None
    assert result.build_skipped_reason is not None
    assert snapshots.current_snapshot(ran.snapshots_dir("acme")) == before


def test_a_run_builds_what_an_earlier_run_ingested_but_did_not_publish(
    ran: Workspace, company: Path, tmp_path: Path
) -> None:
    """A run whose build failed (a failing test, a full disk, a crash) leaves its loads in
    bronze unpublished: the next run, with no new file, builds and publishes them instead
    of skipping the build; the run after it finds the published build up to date."""
    workspace = copy_workspace(ran, tmp_path / "ws")
    before = snapshots.current_snapshot(workspace.snapshots_dir("acme"))
    land(workspace, "acme", late_files(company, tmp_path / "late"))  # ingested, not built
    caught_up = run_pipeline(workspace, "acme")
    assert caught_up.ok, caught_up.summary()
    assert not caught_up.ingest or not caught_up.ingest.recorded  # no new file
    assert caught_up.build is not None and caught_up.build.published
    assert caught_up.build.plan is not None
    assert caught_up.build.plan.mode is BuildMode.INCREMENTAL
    after = snapshots.current_snapshot(workspace.snapshots_dir("acme"))
    assert after is not None and after != before
    again = run_pipeline(workspace, "acme")
    assert again.ok and again.build is None
    assert again.build_skipped_reason is not None
    assert "up to date" in again.build_skipped_reason
    assert snapshots.current_snapshot(workspace.snapshots_dir("acme")) == after


def test_export_parquet_matches_the_snapshot(ran: Workspace, tmp_path: Path) -> None:
    exported = export_parquet(ran, "acme", tmp_path / "bi")
    by_table = {e.table: e for e in exported}
    assert {"fct_mrr", "kpi_revenue_monthly", "dim_customer"} <= set(by_table)
    snapshot = snapshots.current_snapshot(ran.snapshots_dir("acme"))
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        for table, item in by_table.items():
            (in_snapshot,) = con.execute(f'select count(*) from gold."{table}"').fetchone() or (0,)
            (in_file,) = con.execute(
                f"select count(*) from read_parquet('{item.target}')"
            ).fetchone() or (0,)
            assert in_file == in_snapshot == item.rows, table
    finally:
        con.close()


def test_publish_postgres_replaces_the_schema(ran: Workspace) -> None:
    import psycopg  # a dependency: missing it is an error, not a reason to skip

    conninfo = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        psycopg.connect(conninfo, connect_timeout=3).close()
    except psycopg.OperationalError:
        if IN_CI:
            raise
        pytest.skip("no PostgreSQL at REVLAKE_TEST_POSTGRES_URL")
    schema = "revlake_pipeline_test"
    first = publish_postgres(ran, "acme", POSTGRES_URL, schema)
    second = publish_postgres(ran, "acme", POSTGRES_URL, schema)
    assert [(t.table, t.rows) for t in first] == [(t.table, t.rows) for t in second]
    with psycopg.connect(conninfo) as pg:
        mrr = next(t for t in second if t.table == "fct_mrr")
        row = pg.execute(f'select count(*) from "{schema}".fct_mrr').fetchone()
        assert row is not None and row[0] == mrr.rows
        leftovers = pg.execute(
            "select count(*) from information_schema.schemata where schema_name = %s",
            (f"{schema}__loading",),
        ).fetchone()
        assert leftovers == (0,)
        pg.execute(f'drop schema "{schema}" cascade')


def test_export_without_a_build_is_a_clear_error(tmp_path: Path) -> None:
    workspace = init_workspace(tmp_path, tenants=["empty"])
    with pytest.raises(InputError, match="no published build"):
        export_parquet(workspace, "empty", tmp_path / "out")


def test_strict_run_with_rejects_fails_before_building(tmp_path: Path) -> None:
    workspace = init_workspace(tmp_path, tenants=["acme"])
    landing = workspace.landing_dir("acme")
    (landing / "subs.csv").write_text(
        "subscription_id,customer_id,start_date,end_date,monthly_amount\n"
        "s1,c1,2024-01-01,,100\n"
        's2,c2,"2024-02-01,,50\n',
        encoding="utf-8",
    )
    result = run_pipeline(workspace, "acme", strict=True)
    assert not result.ok
    assert result.build is None
    store = open_store(workspace)
    try:
        with store.read() as session:
            (run,) = list_runs(session, tenant_id="acme")
            assert isinstance(run, PipelineRun)
            assert run.status == "failed"
            assert run.error and "rejected" in run.error
    finally:
        store.dispose()


def test_watch_runs_again_only_when_landing_changes(tmp_path: Path) -> None:
    workspace = init_workspace(tmp_path, tenants=["acme"])
    landing = workspace.landing_dir("acme")
    polls: list[int] = []

    def sleep(_: float) -> None:
        polls.append(1)
        if len(polls) == 2:
            (landing / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")

    results = []
    runs = watch_pipeline(workspace, "acme", max_polls=4, sleep=sleep, on_result=results.append)
    assert runs == 2  # at start, and after notes.csv arrived; not on the unchanged polls
    assert all(r.build is None for r in results)


def test_registered_models_rescore_every_build(ran: Workspace) -> None:
    from revlake.ml.churn_service import train_churn_tenant
    from revlake.ml.service import train_tenant

    train_tenant(ran, "acme")
    train_churn_tenant(ran, "acme")
    before = set(snapshots.list_snapshots(ran.snapshots_dir("acme")))
    result = run_pipeline(ran, "acme", force_build=True)
    assert result.ok, result.summary()
    assert result.steps == ["ingest", "build", "score", "forecast", "churn"]
    assert result.score is not None and result.churn is not None
    published = snapshots.current_snapshot(ran.snapshots_dir("acme"))
    assert published == result.churn.snapshot == result.score.snapshot
    # one snapshot for the build and one for all the model steps together
    made = set(snapshots.list_snapshots(ran.snapshots_dir("acme"))) - before
    assert len(made) == 2, sorted(p.name for p in made)
    con = duckdb.connect(str(published), read_only=True)
    try:
        scored = con.execute("select count(*) from gold.ml_deal_scores").fetchone()
        open_deals = con.execute(
            "select count(*) from gold.fct_pipeline where not is_closed"
        ).fetchone()
        churn_rows = con.execute("select count(*) from gold.ml_customer_churn").fetchone()
        forecast_rows = con.execute("select count(*) from gold.ml_forecast").fetchone()
    finally:
        con.close()
    assert scored is not None and open_deals is not None
    assert scored[0] == open_deals[0] > 0
    # every model step adds its tables to the same published build
    assert churn_rows is not None and churn_rows[0] > 0
    assert forecast_rows is not None and forecast_rows[0] > 0
    store = open_store(ran)
    try:
        with store.read() as session:
            newest = list_runs(session, tenant_id="acme")[0]
            assert newest.snapshot == published.name
            assert newest.summary["churn"]["snapshot"] == published.name
            # both publishes of the run are audited and name the run
            publishes = [
                e
                for e in list_entries(session, tenant_id="acme", limit=500)
                if e.action == "snapshot.published"
                and e.changes_value.get("run_id", {}).get("after") == newest.number
            ]
            assert [e.entity_id for e in publishes] == [published.name, newest_build(result)]
            assert verify_chain(session).ok
    finally:
        store.dispose()


def test_a_poison_file_is_quarantined_and_the_rest_still_publishes(tmp_path: Path) -> None:
    workspace = init_workspace(tmp_path, tenants=["acme"])
    landing = workspace.landing_dir("acme")
    (landing / "fx.csv").write_text(
        "date,currency,rate_to_usd\n2024-01-02,EUR,1.10\n", encoding="utf-8"
    )
    (landing / "broken.parquet").write_bytes(b"PAR1 not a parquet file")
    first = run_pipeline(workspace, "acme")
    assert first.build is not None and first.build.published  # the good file was built
    assert not first.ok
    assert first.ingest is not None
    assert [f.path for f in first.ingest.quarantined] == ["broken.parquet"]
    store = open_store(workspace)
    try:
        with store.read() as session:
            (run,) = list_runs(session, tenant_id="acme")
            assert isinstance(run, PipelineRun)
            assert run.status == "failed"
            assert run.error and "quarantined: broken.parquet" in run.error
            assert run.snapshot == first.build.snapshot.name  # type: ignore[union-attr]
    finally:
        store.dispose()
    # the next run is not blocked either: a new file builds and publishes again
    (landing / "fx2.csv").write_text(
        "date,currency,rate_to_usd\n2024-01-03,EUR,1.11\n", encoding="utf-8"
    )
    second = run_pipeline(workspace, "acme")
    assert second.build is not None and second.build.published
    assert second.ingest is not None and second.ingest.quarantined


def newest_build(result: object) -> str:
    build = result.build  # type: ignore[attr-defined]
    assert build is not None and build.snapshot is not None
    return str(build.snapshot.name)
