"""Churn model: panel features without leakage, time split, calibration, drivers, bad inputs."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest

from revlake.errors import InputError
from revlake.ml.churn import (
    ChurnTrainResult,
    explain,
    horizon_months,
    load_churn_model,
    oracle_probability,
    platt_calibration,
    realised_path_probability,
    risk_level,
    save_churn_model,
    time_split,
    train_churn_model,
)
from revlake.ml.churn_data import FEATURE_NAMES, ChurnPanel, load_panel
from revlake.ml.metrics import probability_metrics
from tests.ml.churn_data import build_company


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[tuple[str, int], float]]:
    path = tmp_path_factory.mktemp("churn") / "company.duckdb"
    hazards = build_company(path)
    return path, hazards


@pytest.fixture(scope="module")
def panel(company: tuple[Path, dict[tuple[str, int], float]]) -> ChurnPanel:
    con = duckdb.connect(str(company[0]), read_only=True)
    try:
        return load_panel(con)
    finally:
        con.close()


@pytest.fixture(scope="module")
def trained(
    panel: ChurnPanel, company: tuple[Path, dict[tuple[str, int], float]]
) -> ChurnTrainResult:
    return train_churn_model(panel, 90, company[1])


def test_features_use_only_data_up_to_the_scoring_month(
    company: tuple[Path, dict[tuple[str, int], float]], panel: ChurnPanel, tmp_path: Path
) -> None:
    # the leakage guard: delete everything dated after a cut-off, rebuild the panel, and
    # the features of every month up to the cut-off must not change
    cut = "2023-06-30"
    copy = tmp_path / "cut.duckdb"
    copy.write_bytes(company[0].read_bytes())
    con = duckdb.connect(str(copy))
    try:
        con.execute(f"delete from gold.fct_mrr where month_start_date > '{cut}'")
        con.execute(f"delete from gold.fct_mrr_movements where month_start_date > '{cut}'")
        con.execute(f"delete from silver.stg_stripe__invoices where invoice_date > '{cut}'")
        con.execute(f"delete from silver.stg_stripe__charges where charge_date > '{cut}'")
        con.execute(f"delete from silver.int_product_usage where month_start_date > '{cut}'")
        con.execute(
            f"update silver.stg_stripe__subscriptions set canceled_at = null, ended_at = null "
            f"where canceled_at > '{cut}'"
        )
        con.execute(
            f"update silver.stg_stripe__subscriptions set ended_at = null where ended_at > '{cut}'"
        )
        truncated = load_panel(con)
    finally:
        con.close()
    full_rows = panel.month <= truncated.as_of
    assert 0 < truncated.n == int(full_rows.sum()) < panel.n
    np.testing.assert_array_equal(truncated.customer_id, panel.customer_id[full_rows])
    np.testing.assert_allclose(truncated.x, panel.x[full_rows], equal_nan=True)
    np.testing.assert_array_equal(truncated.cancelling, panel.cancelling[full_rows])


def test_label_is_a_cancellation_within_the_horizon(panel: ChurnPanel) -> None:
    y3 = panel.label(3)
    y1 = panel.label(1)
    assert (y1 <= y3).all()  # a longer horizon only adds churners
    churned = panel.next_churn >= 0
    gap = panel.next_churn - panel.month
    np.testing.assert_array_equal(y3.astype(bool), churned & (gap >= 1) & (gap <= 3))
    labelled = panel.labelled(3)
    assert (panel.month[labelled] + 3 <= panel.as_of).all()
    assert not panel.cancelling[labelled].any()


def test_time_split_keeps_label_windows_inside_their_fold(panel: ChurnPanel) -> None:
    split = time_split(panel, 3)
    assert (panel.month[split.train] + 3 < split.valid_start).all()
    assert (panel.month[split.valid] >= split.valid_start).all()
    assert (panel.month[split.valid] + 3 < split.test_start).all()
    assert (panel.month[split.test] >= split.test_start).all()
    assert not (split.train & split.valid).any() and not (split.valid & split.test).any()


def test_model_beats_base_rate_and_is_calibrated(trained: ChurnTrainResult) -> None:
    test = trained.evaluation["test"]
    model, base, oracle = test["model"], test["base_rate"], test["oracle"]
    assert model["roc_auc"] > 0.6
    assert model["log_loss"] < base["log_loss"]
    assert model["roc_auc"] > oracle["roc_auc"] - 0.1
    assert model["ece"] < 0.04


def test_platt_calibration_fixes_a_shifted_model_and_keeps_ranking() -> None:
    rng = np.random.default_rng(1)
    true_p = rng.uniform(0.01, 0.3, 20_000)
    outcome = (rng.random(true_p.size) < true_p).astype(np.int8)
    raw = np.clip(true_p * 2.5, 0, 0.99)  # over-confident scores
    calibration = platt_calibration(raw, outcome)
    calibrated = calibration.apply(raw)
    before = probability_metrics(outcome, raw)
    after = probability_metrics(outcome, calibrated)
    assert after.ece < 0.01 < before.ece
    assert after.roc_auc == pytest.approx(before.roc_auc, abs=1e-3)


def test_drivers_add_up_and_read_as_sentences(trained: ChurnTrainResult, panel: ChurnPanel) -> None:
    rows = panel.x[:50]
    p, drivers = explain(trained.model, rows, top=len(FEATURE_NAMES))
    np.testing.assert_allclose(p, trained.model.predict(rows), atol=1e-9)
    contributions = trained.model.contributions(rows)
    p0 = trained.model.calibration.apply(1 / (1 + np.exp(-contributions[:, -1])))
    totals = np.array([sum(points for _f, points, _s in row) for row in drivers])
    np.testing.assert_allclose(totals, 100 * (p - p0), atol=1e-6)
    first = drivers[0][0]
    assert first[0] in FEATURE_NAMES and first[2].endswith("points")


def test_risk_levels_and_interventions() -> None:
    levels, actions = risk_level(np.array([0.01, 0.07, 0.12, 0.5]))
    assert levels == ["low", "medium", "high", "critical"]
    assert all(actions)


def test_saved_model_predicts_the_same(
    trained: ChurnTrainResult, panel: ChurnPanel, tmp_path: Path
) -> None:
    path = save_churn_model(tmp_path, trained, {"tenant": "t"})
    model, manifest = load_churn_model(tmp_path)
    assert manifest["version"] == path.name
    np.testing.assert_allclose(model.predict(panel.x[:100]), trained.model.predict(panel.x[:100]))
    with pytest.raises(InputError, match="unknown churn model version"):
        load_churn_model(tmp_path, "nope")
    with pytest.raises(InputError, match="no trained churn model"):
        load_churn_model(tmp_path / "empty")


def test_realised_path_carries_the_last_hazard_over_censored_months(panel: ChurnPanel) -> None:
    one = panel.subset(np.array([0]))
    cid, m = str(one.customer_id[0]), int(one.month[0])
    hazards = {(cid, m + 1): 0.1}  # months m+2, m+3 missing (after a request): 0.1 again
    assert realised_path_probability(one, hazards, 3)[0] == pytest.approx(1 - 0.9**3)
    assert realised_path_probability(one, {}, 3)[0] == 0.0
    later = {(cid, m): 0.05, (cid, m + 1): 0.1, (cid, m + 2): 0.2, (cid, m + 3): 0.3}
    assert realised_path_probability(one, later, 3)[0] == pytest.approx(1 - 0.9 * 0.8 * 0.7)


def test_oracle_uses_only_the_hazard_as_of_the_scoring_month(panel: ChurnPanel) -> None:
    one = panel.subset(np.array([0]))
    cid, m = str(one.customer_id[0]), int(one.month[0])
    later = {(cid, m): 0.05, (cid, m + 1): 0.1, (cid, m + 2): 0.9}
    assert oracle_probability(one, later, 3)[0] == pytest.approx(1 - 0.95**3)
    # no decision in M (first month, trial): the first hazard of the window stands in
    assert oracle_probability(one, {(cid, m + 2): 0.2}, 3)[0] == pytest.approx(1 - 0.8**3)
    assert oracle_probability(one, {}, 3)[0] == 0.0


def test_bad_inputs(panel: ChurnPanel, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="positive number of days"):
        horizon_months(0)
    with pytest.raises(InputError, match="months with a known"):
        train_churn_model(panel.subset(panel.month < panel.month.min() + 6), 90)
    with pytest.raises(InputError, match="calibration must be"):
        train_churn_model(panel, 90, calibration="magic")
    empty = tmp_path / "empty.duckdb"
    con = duckdb.connect(str(empty))
    try:
        with pytest.raises(InputError, match="lacks a table"):
            load_panel(con)
    finally:
        con.close()
