"""`revlake churn train|score` and `revlake ltv` on a workspace: registry, gold tables, errors."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import numpy as np
from typer.testing import CliRunner

from revlake.cli.app import app
from revlake.ml.churn_data import month_label
from revlake.transform import snapshots
from revlake.workspace import init_workspace
from tests.ml.churn_data import build_company


def _workspace(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "ws"
    ws = init_workspace(root)
    build = tmp_path / "company.duckdb"
    hazards = build_company(build, customers=700, seed=9)
    target = snapshots.new_snapshot_path(ws.snapshots_dir("demo"))
    shutil.copyfile(build, target)
    snapshots.publish(target)
    truth = tmp_path / "customer_churn_hazard.csv"
    with truth.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer_id", "month", "true_churn_hazard", "cancel_requested"])
        for (cid, month), h in hazards.items():
            writer.writerow([cid, month_label(month), h, "false"])
    return root, truth


def test_train_score_and_ltv_publish_gold_tables(tmp_path: Path) -> None:
    root, truth = _workspace(tmp_path)
    runner = CliRunner()
    before = snapshots.current_snapshot(root / "tenants" / "demo" / "snapshots")
    trained = runner.invoke(app, ["churn", "train", "-w", str(root), "--oracle", str(truth)])
    assert trained.exit_code == 0, trained.output
    assert "oracle" in trained.output and "base_rate" in trained.output
    versions = root / "tenants" / "demo" / "models" / "churn"
    latest = (versions / "LATEST").read_text(encoding="utf-8").strip()
    for name in ("model.txt", "calibration.json", "evaluation.json", "reliability.png"):
        assert (versions / latest / name).is_file()

    scored = runner.invoke(app, ["churn", "score", "-w", str(root), "--gross-margin", "0.75"])
    assert scored.exit_code == 0, scored.output
    after = snapshots.current_snapshot(root / "tenants" / "demo" / "snapshots")
    assert after is not None and after != before
    con = duckdb.connect(str(after), read_only=True)
    try:
        paying = con.execute(
            "select count(*) from gold.fct_mrr where mrr_rc > 0 and "
            "month_start_date = (select max(month_start_date) from gold.fct_mrr)"
        ).fetchone()
        rows = con.execute(
            "select churn_probability, risk_level, intervention, driver_1, mrr_at_risk_rc, "
            "mrr_rc, model_version from gold.ml_customer_churn"
        ).fetchall()
        ltv = con.sql("select gross_margin, ltv from gold.ml_customer_ltv").fetchall()
        channels = con.sql("select channel, cac from gold.ml_channel_ltv").fetchall()
    finally:
        con.close()
    assert paying is not None and len(rows) == paying[0] > 0
    p = np.array([r[0] for r in rows])
    assert ((p > 0) & (p <= 1)).all()
    assert {r[1] for r in rows} <= {"low", "medium", "high", "critical", "cancelling"}
    assert all(r[2] and r[3] and r[6] == latest for r in rows)
    np.testing.assert_allclose([r[4] for r in rows], [r[0] * r[5] for r in rows])
    assert len(ltv) == len(rows) and all(g == 0.75 and v > 0 for g, v in ltv)
    assert {c for c, _ in channels} == {"google_ads", "web"}

    shown = runner.invoke(app, ["ltv", "-w", str(root), "--discount-rate", "0.08"])
    assert shown.exit_code == 0, shown.output
    assert "google_ads" in shown.output and "smb" in shown.output


def test_bad_inputs_exit_2(tmp_path: Path) -> None:
    root, _truth = _workspace(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["churn", "score", "-w", str(root)])
    assert result.exit_code != 0 and "no trained churn model" in str(result.exception)
    result = runner.invoke(app, ["churn", "train", "-w", str(root), "--horizon-days", "0"])
    assert "positive number of days" in str(result.exception)
    result = runner.invoke(app, ["ltv", "-w", str(root), "--gross-margin", "2"])
    assert "gross margin" in str(result.exception)
    missing = tmp_path / "nope.csv"
    result = runner.invoke(app, ["churn", "train", "-w", str(root), "--oracle", str(missing)])
    assert "cannot read" in str(result.exception)
