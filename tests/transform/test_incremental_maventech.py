"""An incremental build on an export revlake did not shape: MavenTech's real CRM export
(../shared/datasets, CRLF line endings, deals without accounts, open deals without dates)
landed in two loads — most of the pipeline, then the rest with three deals won since — is
row for row the full rebuild, and the partitioned stage history recomputes the deals the
second load changed and the open deals (the source's as-of date moved), not the others."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from revlake.ingest import run_ingest
from revlake.transform.build import build_tenant
from revlake.transform.catalog import schema_tables
from revlake.transform.incremental import PARTITIONS_SCHEMA, BuildMode
from revlake.transform.project import GOLD_SCHEMA, SILVER_SCHEMA
from revlake.transform.spark import compare_gold
from revlake.workspace import Workspace, init_workspace
from tests.company_support import MAVEN_FILES, MAVEN_FOLDER, MAVEN_TENANT, copy_workspace

LATER = 200  # the pipeline's last rows, landed as the second load
WON = 3  # open deals of the first load won in the second


def _land(workspace: Workspace, table: str, name: str, content: bytes) -> None:
    target = workspace.landing_dir(MAVEN_TENANT) / table / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    ingested = run_ingest(workspace, MAVEN_TENANT, strict=True)
    assert ingested.rows_rejected == 0 and not ingested.problems


def _won(line: bytes) -> bytes:
    """An open deal's line, won on the last day of 2017 for 1,000 (its line ending kept)."""
    body = line.rstrip(b"\r\n")
    fields = body.split(b",")
    fields[4], fields[6], fields[7] = b"Won", b"2017-12-31", b"1000"
    return b",".join(fields) + line[len(body) :]


def test_maventech_in_two_loads_builds_incrementally_as_a_full_rebuild(
    shared_datasets: Path, tmp_path: Path
) -> None:
    folder = shared_datasets / MAVEN_FOLDER
    workspace = init_workspace(tmp_path / "ws", tenants=(MAVEN_TENANT,))
    for table, name in MAVEN_FILES.items():
        if table != "maven_sales_pipeline":
            target = workspace.landing_dir(MAVEN_TENANT) / table / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(folder / name, target)
    header, *deals = (folder / "sales_pipeline.csv").read_bytes().splitlines(keepends=True)
    first, later = deals[:-LATER], deals[-LATER:]
    won = [_won(line) for line in first if b",Engaging," in line][:WON]
    assert len(won) == WON
    _land(workspace, "maven_sales_pipeline", "sales_pipeline.csv", header + b"".join(first))
    initial = build_tenant(workspace, MAVEN_TENANT)
    assert initial.published, [n.name for n in initial.failures]

    _land(
        workspace,
        "maven_sales_pipeline",
        "sales_pipeline_later.csv",
        header + b"".join(later + won),
    )
    incremental = build_tenant(workspace, MAVEN_TENANT, max_incremental_share=1.0)
    assert incremental.published and incremental.plan is not None
    assert incremental.plan.mode is BuildMode.INCREMENTAL
    assert incremental.snapshot is not None

    with duckdb.connect(str(incremental.snapshot), read_only=True) as con:
        assert "fct_opportunity_stage_history__changed" in schema_tables(con, PARTITIONS_SCHEMA)
        recomputed, deals_held, open_deals = (
            int(n)
            for n in con.execute(
                f'select (select count(*) from {PARTITIONS_SCHEMA}."'
                'fct_opportunity_stage_history__changed"), '
                f'(select count(*) from {PARTITIONS_SCHEMA}."fct_opportunity_stage_history"), '
                f"(select count(*) from {SILVER_SCHEMA}.int_opportunities "
                "where source_system = 'maven' and stage_category = 'open')"
            ).fetchone()
            or ()
        )
    # the new and won deals and the open ones (the as-of date moved), never every deal
    assert deals_held == len(deals)
    assert LATER <= recomputed <= LATER + WON + open_deals < deals_held

    copy = copy_workspace(workspace, tmp_path / "full")
    full = build_tenant(copy, MAVEN_TENANT, full=True)
    assert full.published and full.snapshot is not None
    for schema in (SILVER_SCHEMA, GOLD_SCHEMA):
        comparisons = compare_gold(full.snapshot, incremental.snapshot, schema=schema)
        assert len(comparisons) > 10
        assert [c.describe(2) for c in comparisons if not c.equal] == [], schema
