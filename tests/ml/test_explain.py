"""Explanations: exact TreeSHAP contributions, signed points and plain sentences."""

from __future__ import annotations

import numpy as np
import pytest

from revlake.errors import InputError
from revlake.ml.explain import (
    Reference,
    explain_rows,
    global_importance,
    points_from_contributions,
    sentence,
    signed_points,
)
from revlake.ml.features import FEATURE_NAMES, FeatureSpec
from revlake.ml.training import TrainResult, train_win_model
from revlake.ml.win import LightGbmWinModel
from tests.ml.win_data import synthetic_history


@pytest.fixture(scope="module")
def trained() -> tuple[TrainResult, np.ndarray]:
    from revlake.ml.features import compute_features, prepare, training_snapshots

    h = synthetic_history(n=1500, seed=4, settle_days=400)
    result = train_win_model(h)
    snaps = training_snapshots(h, np.arange(h.n))
    x = compute_features(prepare(h, result.model.spec), snaps.deal_idx[:400], snaps.day[:400])
    return result, x


def _model(trained: tuple[TrainResult, np.ndarray]) -> LightGbmWinModel:
    model = trained[0].model
    assert isinstance(model, LightGbmWinModel)
    return model


def test_contributions_sum_to_the_models_logit(trained: tuple[TrainResult, np.ndarray]) -> None:
    model, x = _model(trained), trained[1]
    contributions = model.contributions(x)
    assert contributions.shape == (x.shape[0], len(FEATURE_NAMES) + 1)
    np.testing.assert_allclose(contributions.sum(axis=1), model.raw_logit(x), atol=1e-9)


def test_points_add_up_to_the_calibrated_probability(
    trained: tuple[TrainResult, np.ndarray],
) -> None:
    model, x = _model(trained), trained[1]
    contributions = model.contributions(x)
    points, p = points_from_contributions(contributions, model)
    np.testing.assert_allclose(p, model.predict(x), atol=1e-12)
    p0 = model.calibration.apply(1 / (1 + np.exp(-contributions[:, -1])))
    moved = np.abs(contributions[:, :-1].sum(axis=1)) >= 1e-6
    np.testing.assert_allclose(points.sum(axis=1)[moved], 100 * (p - p0)[moved], atol=1e-9)
    # each point has the sign of its contribution
    assert np.all(np.sign(points) * np.sign(contributions[:, :-1]) >= 0)


def test_top_drivers_are_sorted_and_worded(trained: tuple[TrainResult, np.ndarray]) -> None:
    result, x = trained
    drivers = explain_rows(_model(trained), x[:20], result.reference, top=3)
    assert len(drivers) == 20 and all(len(d) == 3 for d in drivers)
    for deal in drivers:
        magnitudes = [abs(d.points) for d in deal]
        assert magnitudes == sorted(magnitudes, reverse=True)
        for d in deal:
            assert d.sentence.endswith("points")
            assert d.sentence.endswith(signed_points(d.points))
    assert signed_points(-0.4) == "+0 points" and signed_points(-9.2) == "−9 points"
    with pytest.raises(InputError, match="top must be at least 1"):
        explain_rows(_model(trained), x[:1], result.reference, top=0)


def test_days_in_stage_sentence_compares_with_won_deals() -> None:
    spec = FeatureSpec(vocabularies={"stage": ("Negotiation", "Proposal")})
    reference = Reference(
        won_days_in_stage={"Proposal": 15.0}, won_age_days=40.0, won_amount=9000.0, win_rate=0.45
    )
    row = np.full(len(FEATURE_NAMES), np.nan)
    row[FEATURE_NAMES.index("stage")] = 1
    row[FEATURE_NAMES.index("days_in_stage")] = 45
    text = sentence("days_in_stage", 45.0, -9.2, row, spec, reference)
    assert text == (
        "deal has been in Proposal 3.0× longer than won deals usually are "
        "(45 days vs 15 days): −9 points"
    )
    row[FEATURE_NAMES.index("stage")] = 0  # no won deal was ever timed in Negotiation
    assert sentence("days_in_stage", 4.0, 2.0, row, spec, reference) == (
        "deal has been in Negotiation for 4 days: +2 points"
    )


def test_global_importance_is_mean_absolute_contribution(
    trained: tuple[TrainResult, np.ndarray],
) -> None:
    model, x = _model(trained), trained[1]
    importance = global_importance(model, x)
    values = list(importance.values())
    assert values == sorted(values, reverse=True)
    expected = np.abs(model.contributions(x)[:, :-1]).mean(axis=0)
    assert importance["rep_win_rate"] == pytest.approx(
        expected[FEATURE_NAMES.index("rep_win_rate")]
    )
    with pytest.raises(InputError, match="no rows"):
        global_importance(model, x[:0])


def test_a_deal_that_just_entered_its_stage_is_worded_as_such() -> None:
    spec = FeatureSpec(vocabularies={"stage": ("Proposal",)})
    reference = Reference(
        won_days_in_stage={"Proposal": 5.0}, won_age_days=40.0, won_amount=9000.0, win_rate=0.45
    )
    row = np.full(len(FEATURE_NAMES), np.nan)
    row[FEATURE_NAMES.index("stage")] = 0
    assert sentence("days_in_stage", 0.0, 7.0, row, spec, reference) == (
        "deal entered Proposal today (won deals are usually 5 days in): +7 points"
    )
    assert "2.5× shorter than won deals" in sentence(
        "days_in_stage", 2.0, 1.0, row, spec, reference
    )


def test_grouped_treeshap_equals_lightgbm_pred_contrib(
    trained: tuple[TrainResult, np.ndarray],
) -> None:
    from revlake.ml.treeshap import tree_contributions

    model, x = _model(trained), trained[1].copy()
    x[::7, FEATURE_NAMES.index("amount")] = np.nan  # missing values take their own branch
    x[::11, FEATURE_NAMES.index("segment")] = np.nan
    x[::13, FEATURE_NAMES.index("age_days")] = 0.0
    expected = model.booster.predict(x, pred_contrib=True, num_threads=1)
    np.testing.assert_allclose(tree_contributions(model.booster, x), expected, atol=1e-10)
    # the model switches to the grouped computation for large batches: same numbers
    np.testing.assert_allclose(
        model.contributions(np.vstack([x] * 2)), np.vstack([expected] * 2), atol=1e-10
    )
