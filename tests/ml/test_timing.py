"""Close-timing hazard model: recovers known timing despite censoring; period folding."""

from __future__ import annotations

import numpy as np
import pytest

from revlake.errors import InputError
from revlake.ml.deals import NO_DATE
from revlake.ml.features import FeatureSpec, compute_features, prepare
from revlake.ml.timing import (
    MAX_WEEKS,
    HazardModel,
    conditional_weekly,
    fit_hazard,
    period_probabilities,
    person_periods,
    quantile_close_days,
)
from tests.ml.hazard_data import hazard_history

H_WON, H_LOST = 0.06, 0.05


@pytest.fixture(scope="module")
def fitted() -> tuple[HazardModel, np.ndarray, int]:
    history, _ = hazard_history(days=720, per_day=3.0, h_won=H_WON, h_lost=H_LOST, seed=11)
    model = fit_hazard(history)
    ctx = prepare(history, model.spec)
    open_deals = np.flatnonzero(~history.is_closed)
    x = compute_features(ctx, open_deals, np.full(open_deals.size, history.as_of))
    return model, conditional_weekly(model, x), history.as_of


def test_open_deals_are_censored_not_dropped() -> None:
    history, _ = hazard_history(days=300, seed=2)
    rows = person_periods(history, prepare(history, FeatureSpec.from_history(history)))
    open_deals = int((~history.is_closed).sum())
    assert open_deals > 20
    # every closed deal's creation landmark ends in an event; open ones end censored
    events = int((rows.outcome > 0).sum())
    assert (rows.outcome == 1).sum() > 0 and (rows.outcome == 2).sum() > 0
    landmarks = int(rows.landmark.max()) + 1
    assert events < landmarks  # some landmarks (the open deals' ones at least) have no event
    assert rows.week.min() == 0 and rows.week.max() < MAX_WEEKS


def test_recovers_the_true_timing_of_won_deals(fitted: tuple[HazardModel, np.ndarray, int]) -> None:
    _, weekly, _ = fitted
    h = H_WON + H_LOST
    truth = (1 - h) ** np.arange(MAX_WEEKS) * h  # geometric: memoryless, so from any age
    mean = weekly[:, :-1].mean(axis=0)
    np.testing.assert_allclose(np.cumsum(mean)[[1, 4, 8, 13, 26]],
                               np.cumsum(truth)[[1, 4, 8, 13, 26]], atol=0.04)  # fmt: skip
    assert np.allclose(weekly.sum(axis=1), 1.0)


def test_quantile_dates_follow_the_true_distribution(
    fitted: tuple[HazardModel, np.ndarray, int],
) -> None:
    _, weekly, as_of = fitted
    q = quantile_close_days(weekly, as_of)
    assert (q != NO_DATE).all()
    assert (np.diff(q, axis=1) >= 0).all()
    h = H_WON + H_LOST
    true_median_week = int(np.ceil(np.log(0.5) / np.log(1 - h)))  # weeks until cdf ≥ 0.5
    median_weeks = (q[:, 1] - as_of) / 7
    assert abs(float(np.median(median_weeks)) - true_median_week) <= 1


def test_periods_fold_weeks_and_keep_the_rest_for_later() -> None:
    weekly = np.zeros((2, MAX_WEEKS + 1))
    weekly[0, 0] = weekly[0, 4] = 0.5  # weeks 1 and 5 (days 1–7 and 29–35)
    weekly[1, -1] = 1.0  # after the model's horizon
    ends = np.array([100 + 14, 100 + 28, 100 + 35])  # two fortnights, then one week
    out = period_probabilities(weekly, 100, ends)
    np.testing.assert_allclose(out, [[0.5, 0.0, 0.5, 0.0], [0.0, 0.0, 0.0, 1.0]])


def test_too_little_history_is_a_clear_error() -> None:
    history, _ = hazard_history(days=20, per_day=0.5, seed=1)
    with pytest.raises(InputError, match="too little closed history"):
        fit_hazard(history)
