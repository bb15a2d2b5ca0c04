"""Registry round trip, `revlake train` / `revlake score` on a published build, errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

from revlake.cli.app import app
from revlake.errors import InputError, RevlakeError
from revlake.ml.features import compute_features, prepare, training_snapshots
from revlake.ml.registry import fingerprint, list_versions, load_model, models_dir, save_model
from revlake.ml.service import read_oracle, score_tenant, train_tenant
from revlake.transform import snapshots
from revlake.workspace import Workspace, init_workspace
from tests.ml.win_data import synthetic_history, write_gold_build

TENANT = "demo"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A workspace whose tenant has a published build with the synthetic pipeline."""
    workspace = init_workspace(tmp_path_factory.mktemp("ml-registry") / "ws")
    history = synthetic_history(n=1500, seed=6, settle_days=20)
    build = snapshots.new_snapshot_path(workspace.snapshots_dir(TENANT))
    write_gold_build(history, build)
    snapshots.publish(build)
    return workspace


@pytest.fixture(scope="module")
def trained(published: Workspace) -> Path:
    return train_tenant(published, TENANT).version_path


def test_train_writes_a_complete_version(published: Workspace, trained: Path) -> None:
    names = {p.name for p in trained.iterdir()}
    assert names == {
        "manifest.json",
        "model.txt",
        "calibration.json",
        "features.json",
        "evaluation.json",
        "evaluation.md",
        "reliability.png",
    }
    manifest = json.loads((trained / "manifest.json").read_text())
    assert manifest["kind"] == "lightgbm"
    assert len(manifest["fingerprint"]) == 64
    assert manifest["version"] == trained.name
    assert (models_dir(published, TENANT) / "LATEST").read_text().strip() == trained.name
    evaluation = json.loads((trained / "evaluation.json").read_text())
    for name in ("model", "base_rate", "stage_rates"):
        assert set(evaluation["test_snapshots"][name]) >= {"roc_auc", "brier", "log_loss", "ece"}
    report = (trained / "evaluation.md").read_text()
    assert "base rate (baseline)" in report and "stage win rates (baseline)" in report
    assert (trained / "reliability.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_loaded_model_predicts_exactly_like_the_trained_one(
    published: Workspace, trained: Path
) -> None:
    from revlake.ml.service import load_tenant_history
    from revlake.ml.training import train_win_model

    history = load_tenant_history(published, TENANT)
    fresh = train_win_model(history)
    loaded = load_model(published, TENANT)
    assert loaded.version == trained.name
    assert loaded.manifest["fingerprint"] == fresh.fingerprint  # same data, same rows
    snaps = training_snapshots(history, np.arange(history.n))
    x = compute_features(prepare(history, loaded.model.spec), snaps.deal_idx, snaps.day)
    np.testing.assert_allclose(loaded.model.predict(x), fresh.model.predict(x), atol=1e-12)
    assert loaded.reference == fresh.reference


def test_fingerprint_changes_with_the_training_rows() -> None:
    a = np.arange(5.0)
    assert fingerprint(a) == fingerprint(a.copy())
    assert fingerprint(a) != fingerprint(a + 1e-9)
    assert fingerprint(np.array(["x"], dtype=object)) != fingerprint(np.array(["y"], dtype=object))


def test_score_publishes_a_new_snapshot_with_the_ml_tables(
    published: Workspace, trained: Path
) -> None:
    before = snapshots.current_snapshot(published.snapshots_dir(TENANT))
    summary = score_tenant(published, TENANT)
    after = snapshots.current_snapshot(published.snapshots_dir(TENANT))
    assert after == summary.snapshot != before
    assert before is not None and before.is_file()  # the previous build is kept
    con = duckdb.connect(str(after), read_only=True)
    try:
        open_deals = con.execute(
            "select count(*) from gold.fct_pipeline where not is_closed"
        ).fetchone()
        rows = con.execute(
            "select count(*), min(risk_score), max(risk_score), min(win_probability), "
            "max(win_probability), count(distinct model_version) from gold.ml_deal_scores"
        ).fetchone()
        ranks = con.execute(
            "select count(*), max(driver_rank) from gold.ml_deal_explanations"
        ).fetchone()
        at_risk = con.execute(
            "select sum(at_risk_amount_rc) = sum(round(amount_rc * (1 - win_probability), 2)) "
            "from gold.ml_deal_scores"
        ).fetchone()
    finally:
        con.close()
    assert open_deals is not None and rows is not None and ranks is not None
    assert rows[0] == open_deals[0] == summary.scored.open_deals > 0
    assert 0 <= rows[1] <= rows[2] <= 100
    assert 0 < rows[3] <= rows[4] < 1
    assert rows[5] == 1
    assert ranks == (5 * rows[0], 5)
    assert at_risk is not None


def test_unknown_or_missing_models_are_input_errors(
    published: Workspace, trained: Path, tmp_path: Path
) -> None:
    with pytest.raises(InputError, match="unknown model version 'v0'"):
        load_model(published, TENANT, "v0")
    empty = init_workspace(tmp_path / "empty")
    with pytest.raises(InputError, match="no trained win model"):
        load_model(empty, TENANT)
    assert list_versions(published, TENANT)[-1] == trained.name


def test_a_corrupted_model_file_names_file_line_and_column(
    published: Workspace, trained: Path, tmp_path: Path
) -> None:
    copy = save_model(
        published,
        TENANT,
        load_model(published, TENANT).model,
        load_model(published, TENANT).reference,
        {"fingerprint": "x"},
    )
    (copy / "calibration.json").write_text('{"x": [0.1,\n  oops]}')
    with pytest.raises(RevlakeError, match=r"calibration.json: line 2 column 3"):
        load_model(published, TENANT, copy.name)


def test_oracle_csv_errors_name_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "truth.csv"
    bad.write_text("opportunity_id,true_win_probability\nA,0.4\nB,high\n")
    with pytest.raises(InputError, match=r"truth.csv: line 3: column 'true_win_probability'"):
        read_oracle(bad)
    bad.write_text("opportunity_id\nA\n")
    with pytest.raises(InputError, match="line 1: missing column 'true_win_probability'"):
        read_oracle(bad)


def test_cli_train_and_score(published: Workspace) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["train", "-w", str(published.root), "-t", TENANT])
    assert result.exit_code == 0, result.output
    assert "registered" in result.output and "stage_rates" in result.output
    result = runner.invoke(app, ["score", "-w", str(published.root), "-t", TENANT])
    assert result.exit_code == 0, result.output
    assert "at-risk revenue" in result.output and "published" in result.output


def test_cli_score_without_a_model_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from revlake.cli.app import main

    init_workspace(tmp_path / "ws")
    monkeypatch.setattr(sys, "argv", ["revlake", "score", "-w", str(tmp_path / "ws")])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    assert "run `revlake train` first" in capsys.readouterr().err
