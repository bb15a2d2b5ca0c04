"""Workspace settings reach the dbt models as vars."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from revlake.cli.app import app
from revlake.config import settings_from_mapping
from revlake.transform import snapshots
from revlake.transform.project import PROJECT_DIR, dbt_vars
from revlake.workspace import init_workspace
from tests.transform.conftest import TENANT, SyntheticCompany


def test_settings_become_dbt_vars() -> None:
    settings = settings_from_mapping(
        {
            "workspace": {
                "reporting_currency": "eur",
                "churn_timing": "cancellation",
                "fiscal_year_start_month": 4,
            }
        },
        environ={},
    )
    assert dbt_vars(settings) == {
        "reporting_currency": "EUR",
        "churn_timing": "cancellation",
        "fiscal_year_start_month": 4,
        "include_trials": False,
        "include_metered": False,
    }


def test_overrides_win() -> None:
    settings = settings_from_mapping({}, environ={})
    assert dbt_vars(settings, include_trials=True)["include_trials"] is True


def test_project_ships_with_the_package() -> None:
    assert (PROJECT_DIR / "dbt_project.yml").is_file()
    assert (PROJECT_DIR / "macros" / "bronze_table.sql").is_file()


def test_a_build_with_include_trials_publishes(
    synthetic_workspace: SyntheticCompany, tmp_path: Path
) -> None:
    """`revlake build --var include_trials=true` used to fail the line_mrr_edge_cases unit
    test (it expected the default rules under whatever vars the build had), so such a
    build never published. The unit test now pins its own vars."""
    workspace = init_workspace(tmp_path / "ws", tenants=[TENANT])
    shutil.copyfile(
        synthetic_workspace.workspace.bronze_path(TENANT), workspace.bronze_path(TENANT)
    )
    result = CliRunner().invoke(
        app,
        [
            "build",
            "--workspace",
            str(workspace.root),
            "--select",
            "+stg_stripe__mrr_lines",
            "--var",
            "include_trials=true",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    published = snapshots.current_snapshot(workspace.snapshots_dir(TENANT))
    assert published is not None
    con = duckdb.connect(str(published), read_only=True)
    try:
        row = con.execute(
            "select count(*), count(*) filter (where line_mrr > 0) "
            "from silver.stg_stripe__mrr_lines where is_trial and is_mrr_line"
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    trials, valued = row
    assert trials == 0 or valued > 0  # trial lines count at list price under the var
