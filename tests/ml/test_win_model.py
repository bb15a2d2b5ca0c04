"""Win model: time split, calibration, low-data fallback and its evaluation figures."""

from __future__ import annotations

import numpy as np
import pytest

from revlake.errors import InputError
from revlake.ml.features import FeatureSpec, compute_features, prepare, training_snapshots
from revlake.ml.training import TrainResult, time_split, train_win_model
from revlake.ml.win import MIN_LOST, MIN_WON, StageRateModel, too_little_history
from tests.ml.win_data import synthetic_history


@pytest.fixture(scope="module")
def drifted() -> TrainResult:
    """Trained on deals whose later ones (validation, test) are harder to win."""
    return train_win_model(synthetic_history(n=2000, seed=3, late_shift=1.5, settle_days=400))


def test_time_split_is_ordered_by_creation() -> None:
    h = synthetic_history(n=800, seed=5)
    train, valid, test, t1, t2 = time_split(h)
    assert h.created[train].max() < t1 <= h.created[valid].min()
    assert h.created[valid].max() < t2 <= h.created[test].min()
    assert train.size > valid.size > 0 and test.size > 0
    assert h.is_closed[np.concatenate((train, valid, test))].all()


def test_isotonic_calibration_on_the_later_fold_fixes_drift(drifted: TrainResult) -> None:
    figures = drifted.evaluation["test_snapshots"]
    raw, calibrated = figures["model_uncalibrated"], figures["model"]
    assert calibrated["ece"] < raw["ece"] / 2
    assert calibrated["brier"] < raw["brier"]
    # calibration is monotone: ranking (AUC) barely moves
    assert calibrated["roc_auc"] == pytest.approx(raw["roc_auc"], abs=0.02)


def test_model_beats_both_baselines_on_the_test_split(drifted: TrainResult) -> None:
    figures = drifted.evaluation["test_snapshots"]
    assert figures["model"]["roc_auc"] > figures["stage_rates"]["roc_auc"] + 0.1
    assert figures["model"]["brier"] < figures["stage_rates"]["brier"]
    assert figures["model"]["brier"] < figures["base_rate"]["brier"]
    assert drifted.evaluation["test_at_creation"]["model"]["n"] == drifted.split["deals"]["test"]
    assert set(drifted.evaluation["global_importance"]) == set(drifted.model.spec.names)


def test_training_folds_never_see_snapshots_from_the_next_fold() -> None:
    h = synthetic_history(n=800, seed=5)
    train, _, _, t1, _ = time_split(h)
    result = train_win_model(h)
    assert result.split["validation_start"] < result.split["test_start"]
    snaps = training_snapshots(h, train)
    assert (snaps.day >= t1).any()  # the fold's deals lived on past the validation start …
    # … but it is cut there: only snapshots dated before the validation start are used
    assert result.split["snapshots"]["train"] == int((snaps.day < t1).sum())


def test_too_little_history_falls_back_to_stage_rates() -> None:
    h = synthetic_history(n=260, seed=8, settle_days=400)
    result = train_win_model(h)
    assert isinstance(result.model, StageRateModel)
    assert result.model.kind == "stage_rates"
    won, lost = result.split["closed_deals"]["won"], result.split["closed_deals"]["lost"]
    assert result.message == too_little_history(won, lost)
    assert result.message is not None
    assert f"{won} won and {lost} lost" in result.message
    assert "empirical win rate of each stage" in result.message
    # the fallback predicts the stage's win rate (shrunk toward the overall rate)
    spec = result.model.spec
    ctx = prepare(h, spec)
    snaps = training_snapshots(h, np.arange(h.n))
    p = result.model.predict(compute_features(ctx, snaps.deal_idx, snaps.day))
    assert len(np.unique(np.round(p, 9))) <= len(spec.vocabularies["stage"]) + 1


def test_low_data_thresholds() -> None:
    assert too_little_history(MIN_WON, MIN_LOST) is None
    assert too_little_history(MIN_WON - 1, 10_000) is not None
    assert too_little_history(10_000, MIN_LOST - 1) is not None


def test_training_refuses_too_few_closed_deals() -> None:
    with pytest.raises(InputError, match="closed deals with valid dates"):
        time_split(synthetic_history(n=5, seed=2, settle_days=400))
    spec = FeatureSpec.from_history(synthetic_history(n=40, seed=2))
    with pytest.raises(InputError, match="no training rows"):
        StageRateModel.fit(np.zeros((0, len(spec.names))), np.zeros(0, np.int8), spec)
