"""Model-report figures: checked against hand-computed values and known behaviour."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from revlake.errors import InputError
from revlake.ml.metrics import (
    base_rate_predictions,
    expected_calibration_error,
    plot_reliability,
    probability_metrics,
    reliability_bins,
)


def test_hand_computed_example() -> None:
    y = [0, 0, 1, 1]
    p = [0.1, 0.4, 0.35, 0.8]
    metrics = probability_metrics(y, p, n_bins=2)
    assert metrics.roc_auc == pytest.approx(0.75)
    assert metrics.brier == pytest.approx((0.01 + 0.16 + 0.4225 + 0.04) / 4)
    # bins [0, .5): p = .1, .4, .35 → mean .2833, observed 1/3; [.5, 1]: p = .8, observed 1
    expected_ece = 3 / 4 * abs(1 / 3 - 0.85 / 3) + 1 / 4 * abs(1 - 0.8)
    assert metrics.ece == pytest.approx(expected_ece)


def test_calibrated_probabilities_have_small_ece() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(size=200_000)
    y = (rng.uniform(size=p.size) < p).astype(int)
    assert expected_calibration_error(y, p) < 0.01
    assert expected_calibration_error(y, np.clip(p + 0.15, 0, 1)) > 0.1


def test_base_rate_model_has_no_discrimination() -> None:
    y_train = np.array([1, 0, 0, 0])
    predictions = base_rate_predictions(y_train, 3)
    assert predictions.tolist() == [0.25, 0.25, 0.25]
    assert probability_metrics([0, 1, 0], predictions).roc_auc == pytest.approx(0.5)


def test_quantile_bins_hold_similar_counts() -> None:
    p = np.linspace(0.01, 0.99, 1_000)
    y = (p > 0.5).astype(int)
    counts = [b.count for b in reliability_bins(y, p, n_bins=4, strategy="quantile")]
    assert max(counts) - min(counts) <= 2


def test_one_class_gives_no_auc_rather_than_an_error() -> None:
    assert probability_metrics([1, 1], [0.2, 0.9]).roc_auc is None


@pytest.mark.parametrize(
    ("y", "p", "message"),
    [([0, 2], [0.1, 0.2], "0 or 1"), ([0], [1.5], "within"), ([], [], "no outcomes")],
)
def test_bad_inputs(y: list[int], p: list[float], message: str) -> None:
    with pytest.raises(InputError, match=message):
        probability_metrics(y, p)


def test_reliability_png_is_written(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    p = rng.uniform(size=500)
    y = (rng.uniform(size=500) < p).astype(int)
    out = plot_reliability({"model": reliability_bins(y, p)}, tmp_path / "rel.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
