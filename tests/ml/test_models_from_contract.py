"""Models from whatever the data has: a win/loss table without dates, a churn snapshot.

Each file is synthetic (fixed seed) with real signal, written in the user's own column
words and mapped once by a workspace layout; it is landed, ingested and built with the
real pipeline, then trained through the functions `revlake train` and `revlake churn
train` call. revlake's model must be within 0.02 AUC of the same-run baseline (LightGBM
defaults, 5-fold stratified CV, every mapped column), the baseline must find the signal,
and the report must say the split is stratified, not time-ordered.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.compute as pc
import pytest
from typer.testing import CliRunner

from revlake.cli.app import app
from revlake.errors import InputError
from revlake.ingest import FileStatus, run_ingest
from revlake.ml.churn_service import score_churn_tenant, train_churn_tenant
from revlake.ml.service import score_tenant
from revlake.ml.tabular import SPLIT_SCHEME, TabularResult
from revlake.pipeline import PipelineResult, score_registered_models
from revlake.transform.build import build_tenant
from revlake.workspace import Workspace, init_workspace
from tests.ml.contract_data import telco_file, win_loss_file

WIN_LAYOUT = """\
name = "sales_win_loss"
entity = "opportunities"
source = "winloss"
file_names = ["win_loss*.csv"]
features = ["Region", "Route To Market", "Competitor", "Client Size By Revenue", "Elapsed Days"]

[columns]
opportunity_id = "Opportunity Number"
amount = "Opportunity Amount USD"
product = "Supplies Group"
is_closed = "Status"
is_won = "Outcome"

[values.is_closed]
"Closed" = "true"
"Open" = "false"

[values.is_won]
"Won" = "true"
"Loss" = "false"
"""

CHURN_LAYOUT = """\
name = "telco_customers"
entity = "customers"
source = "telco"
file_names = ["telco*.csv"]
features = ["gender", "SeniorCitizen", "Partner", "tenure", "Contract", "InternetService",
            "PaymentMethod", "MonthlyCharges", "TotalCharges"]

[columns]
customer_id = "customerID"
is_churned = "Churn"

[values.is_churned]
"Yes" = "true"
"No" = "false"
"""

WIN_ROWS, OPEN_ROWS, CHURN_ROWS = 4000, 150, 4000
TENANT = "acme"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """One tenant, both files, each mapped by its own layout; built once (one dbt run)."""
    workspace = init_workspace(tmp_path_factory.mktemp("contract") / "ws", [TENANT])
    layouts = workspace.root / "layouts"
    layouts.mkdir()
    (layouts / "sales_win_loss.toml").write_text(WIN_LAYOUT, encoding="utf-8")
    (layouts / "telco_customers.toml").write_text(CHURN_LAYOUT, encoding="utf-8")
    workspace = Workspace.open(workspace.root)
    landing = workspace.landing_dir(TENANT)
    landing.mkdir(parents=True, exist_ok=True)
    (landing / "win_loss_2024.csv").write_text(win_loss_file(WIN_ROWS, OPEN_ROWS), encoding="utf-8")
    (landing / "telco_customers.csv").write_text(telco_file(CHURN_ROWS), encoding="utf-8")
    summary = run_ingest(workspace, TENANT, strict=True)
    assert [f.status for f in summary.files] == [FileStatus.LOADED] * 2, summary.files
    build = build_tenant(workspace, TENANT)
    assert build.published, [f"{n.name}: {n.message}" for n in build.failures]
    return workspace


def _assert_close_to_baseline(evaluation: dict[str, Any], features: set[str]) -> None:
    model, baseline = evaluation["model"], evaluation["baseline"]
    assert baseline["roc_auc"] > 0.70, baseline  # the signal is there
    assert model["roc_auc"] >= baseline["roc_auc"] - 0.02, (model, baseline)
    assert evaluation["within_tolerance"] is True
    assert evaluation["split"]["scheme"] == SPLIT_SCHEME
    assert features <= set(evaluation["features"]), evaluation["features"]
    assert features <= set(baseline["columns"])


def test_win_loss_table_without_dates_trains_beside_the_baseline(built: Workspace) -> None:
    con = duckdb.connect(str(_published(built, TENANT)), read_only=True)
    try:
        [(deals, dated, with_features)] = con.execute(
            "select count(*), count(created_date), count(features) from gold.fct_pipeline"
        ).fetchall()
    finally:
        con.close()
    assert (deals, dated, with_features) == (WIN_ROWS + OPEN_ROWS, 0, WIN_ROWS + OPEN_ROWS)

    result = CliRunner().invoke(app, ["train", "--workspace", str(built.root)])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "split: stratified random, not time-ordered — the data has no dates" in output
    assert "baseline" in output and "gap (revlake − baseline)" in output
    latest = built.tenant_dir(TENANT) / "models" / "win_tabular"
    version = (latest / "LATEST").read_text(encoding="utf-8").strip()
    evaluation = json.loads((latest / version / "evaluation.json").read_text(encoding="utf-8"))
    _assert_close_to_baseline(
        evaluation,
        {"region", "route_to_market", "competitor", "client_size_by_revenue", "amount"},
    )
    assert evaluation["features"]["region"] == "categorical"
    assert evaluation["features"]["elapsed_days"] == "numeric"
    assert evaluation["split"]["rows"] == WIN_ROWS
    report = (latest / version / "evaluation.md").read_text(encoding="utf-8")
    assert SPLIT_SCHEME in report and "baseline" in report

    # open deals are scored with the same columns
    scored = score_tenant(built, TENANT)
    assert scored.scored.open_deals == OPEN_ROWS
    probabilities = scored.scored.scores.column("win_probability").to_pylist()
    assert all(0.0 < p < 1.0 for p in probabilities)
    assert len(set(probabilities)) > 10  # the columns move the score
    drivers = scored.scored.explanations
    assert drivers.num_rows == OPEN_ROWS * 5
    top = scored.scored.scores.column("top_driver").to_pylist()
    assert all(t is not None and t.endswith("points") for t in top), top[:3]
    assert set(drivers.column("feature").to_pylist()) <= set(evaluation["features"])
    # each deal's drivers add up to its distance from the average deal (TreeSHAP points)
    first = drivers.filter(pc.equal(drivers.column("driver_rank"), 1))
    assert max(abs(v) for v in first.column("points").to_pylist()) > 1.0

    # `revlake run` re-scores every new build with the date-less model (no forecast)
    result = PipelineResult(tenant=TENANT, run_id=1)
    score_registered_models(built, result)
    assert result.steps == ["score"] and result.score is not None
    assert result.score.model_version == version


def test_churn_snapshot_trains_beside_the_baseline(built: Workspace) -> None:
    summary = train_churn_tenant(built, TENANT)
    assert isinstance(summary.result, TabularResult)
    evaluation = summary.result.evaluation
    _assert_close_to_baseline(
        evaluation, {"contract", "tenure", "monthly_charges", "internet_service"}
    )
    assert evaluation["features"]["tenure"] == "numeric"
    assert evaluation["features"]["total_charges"] == "numeric"  # blanks are missing values
    assert evaluation["split"]["rows"] == CHURN_ROWS
    assert summary.version_path.parent.name == "churn_snapshot"
    saved = json.loads((summary.version_path / "manifest.json").read_text(encoding="utf-8"))
    assert saved["split"]["scheme"] == SPLIT_SCHEME
    # scoring a snapshot is not built: said plainly, not "train first"
    with pytest.raises(InputError, match="trained from a customer snapshot"):
        score_churn_tenant(built, TENANT)


def _published(workspace: Workspace, tenant: str) -> Path:
    from revlake.transform import snapshots

    current = snapshots.current_snapshot(workspace.snapshots_dir(tenant))
    assert current is not None
    return current
