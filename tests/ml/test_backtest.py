"""Backtest: the history as it stood (no leakage), cut-offs, pinball loss, reports, CLI."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

from revlake.cli.app import app
from revlake.errors import InputError, RevlakeError
from revlake.ml.backtest import (
    BacktestRow,
    history_as_of,
    pinball,
    quarter_cutoffs,
    read_csv,
)
from revlake.ml.deals import NO_DATE, day_date, day_number
from revlake.ml.forecast_service import backtest_tenant
from revlake.ml.service import train_tenant
from revlake.transform import snapshots
from revlake.workspace import Workspace, init_workspace
from tests.ml.win_data import STAGES, synthetic_history, write_gold_build

TENANT = "demo"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    workspace = init_workspace(tmp_path_factory.mktemp("ml-forecast") / "ws")
    history = synthetic_history(n=1500, seed=8, settle_days=20)
    build = snapshots.new_snapshot_path(workspace.snapshots_dir(TENANT))
    write_gold_build(history, build)
    snapshots.publish(build)
    return workspace


def test_history_as_of_hides_everything_after_the_cutoff() -> None:
    history = synthetic_history(n=600, seed=2, settle_days=60)
    day = day_number(date(2023, 6, 30))
    then = history_as_of(history, day)
    assert then.as_of == day
    assert (then.created <= day).all()
    assert then.n == int(((history.created != NO_DATE) & (history.created <= day)).sum())
    assert (then.ev_day <= day).all()
    # deals closed later look open, with no close date and no outcome
    index = {o: i for i, o in enumerate(history.opportunity_id.tolist())}
    full = np.array([index[o] for o in then.opportunity_id.tolist()])
    later = history.is_closed[full] & (history.close[full] > day)
    assert later.sum() > 0
    assert not then.is_closed[later].any() and not then.is_won[later].any()
    assert (then.close[later] == NO_DATE).all()
    assert set(then.stage_name[later].tolist()) <= set(STAGES)
    # closed by then: unchanged
    before = history.is_closed[full] & (history.close[full] <= day)
    np.testing.assert_array_equal(then.is_won[before], history.is_won[full][before])


def test_cutoffs_are_quarter_ends_with_a_full_quarter_after_them() -> None:
    history = synthetic_history(n=600, seed=2, settle_days=60)
    days = quarter_cutoffs(history, 3)
    assert len(days) == 3
    for d in days.tolist():
        end = day_date(d)
        assert (end.month, end.day) in {(3, 31), (6, 30), (9, 30), (12, 31)}
        assert d + 91 <= history.as_of
    with pytest.raises(InputError, match="at least 1"):
        quarter_cutoffs(history, 0)


def test_pinball_loss_and_row_scores() -> None:
    assert pinball(100.0, (80.0, 100.0, 120.0), (0.1, 0.5, 0.9)) == pytest.approx((2 + 0 + 2) / 3)
    assert pinball(100.0, (120.0,), (0.1,)) == pytest.approx(18.0)
    row = BacktestRow("2024-03-31", 10, 100.0, 80.0, 110.0, 130.0, 150.0, "lightgbm")
    assert row.error == 10.0 and row.bias == pytest.approx(0.1) and row.inside
    assert row.baseline_error == 50.0
    assert row.baseline_pinball == pytest.approx(pinball(100.0, (150.0,) * 3, (0.1, 0.5, 0.9)))


def test_backtest_writes_table_csv_and_chart(published: Workspace, tmp_path: Path) -> None:
    report = backtest_tenant(published, TENANT, cutoffs=2, n_sims=500, out_dir=tmp_path)
    assert [r.cutoff for r in report.summary.rows] == sorted(r.cutoff for r in report.summary.rows)
    assert len(report.summary.rows) == 2
    for row in report.summary.rows:
        assert row.actual > 0 and row.p10 <= row.p50 <= row.p90 and row.baseline > 0
    text = report.table.read_text()
    assert "| cut-off |" in text and "P10–P90 coverage" in text
    assert len(report.csv.read_text().splitlines()) == 3
    assert report.chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the CSV reads back to the same cut-offs (to its 2 decimals), as the model page reads it
    again = read_csv(report.csv)
    assert [r.cutoff for r in again] == [r.cutoff for r in report.summary.rows]
    for read, wrote in zip(again, report.summary.rows, strict=True):
        assert read.p50 == pytest.approx(wrote.p50, abs=0.005)
        assert read.inside == wrote.inside and read.win_model == wrote.win_model
    broken = tmp_path / "broken.csv"
    broken.write_text(report.csv.read_text().replace(again[1].cutoff + ",", "x,oops,", 1))
    with pytest.raises(RevlakeError, match=r"broken.csv: line 3: unreadable backtest row"):
        read_csv(broken)


def test_cli_forecast_publishes_and_backtest_reports(published: Workspace, tmp_path: Path) -> None:
    train_tenant(published, TENANT)
    runner = CliRunner()
    ws = str(published.root)
    result = runner.invoke(
        app,
        ["forecast", "-w", ws, "--horizon", "4", "--period", "month", "--sims", "500",
         "--publish"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "published" in result.output
    current = snapshots.current_snapshot(published.snapshots_dir(TENANT))
    assert current is not None
    con = duckdb.connect(str(current), read_only=True)
    try:
        rows = con.execute(
            "select count(*), min(cumulative_p10 <= cumulative_p50 and cumulative_p50 <= "
            "cumulative_p90) from gold.ml_forecast"
        ).fetchone()
        deals = con.execute("select count(*) from gold.ml_deal_close_timing").fetchone()
    finally:
        con.close()
    assert rows == (4, True)
    assert deals is not None and deals[0] > 0
    bad = runner.invoke(app, ["forecast", "-w", ws, "--horizon", "40"])
    assert bad.exit_code != 0
    assert isinstance(bad.exception, InputError) or "between 4 and 26" in bad.output
    out = tmp_path / "bt"
    result = runner.invoke(app, ["backtest", "-w", ws, "--cutoffs", "1", "--sims", "300",
                                 "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (out / "backtest.png").is_file() and (out / "backtest.md").is_file()
