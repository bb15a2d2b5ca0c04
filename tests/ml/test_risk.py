"""Risk score: documented formula, bounds, categories and at-risk revenue."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revlake.errors import InputError
from revlake.ml.risk import categorize, risk_scores, stagnation

unit = st.floats(0.0, 1.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    p=unit,
    pct=st.one_of(unit, st.just(float("nan"))),
    days=st.floats(0, 5000, allow_nan=False),
    typical=st.one_of(st.floats(0, 400, allow_nan=False), st.just(float("nan"))),
    amount=st.one_of(st.floats(0, 1e9, allow_nan=False), st.just(float("nan"))),
)
def test_risk_is_within_0_and_100(
    p: float, pct: float, days: float, typical: float, amount: float
) -> None:
    r = risk_scores(
        np.array([p]), np.array([amount]), np.array([pct]), np.array([days]), np.array([typical])
    )
    assert 0.0 <= r.score[0] <= 100.0
    assert 0.0 <= r.stagnation[0] <= 1.0
    # the loss probability caps the score: at most 100 × (1 − p)
    assert r.score[0] <= 100.0 * (1.0 - p) + 0.05
    assert r.at_risk_amount[0] >= 0.0


def test_formula_and_extremes() -> None:
    r = risk_scores(
        np.array([0.0, 1.0, 0.4]),
        np.array([1000.0, 1000.0, 500.0]),
        np.array([1.0, 1.0, 0.5]),
        np.array([90.0, 90.0, 20.0]),
        np.array([30.0, 30.0, 10.0]),
    )
    # certain loss, largest deal, 3× the usual time in stage → 100
    assert r.score[0] == 100.0
    assert r.score[1] == 0.0
    # 100 × 0.6 × (0.6 + 0.25 × 0.5 + 0.15 × 0.5) = 48.0
    assert r.score[2] == pytest.approx(48.0)
    assert r.category == ["critical", "low", "medium"]
    np.testing.assert_allclose(r.at_risk_amount, [1000.0, 0.0, 300.0])


def test_riskier_with_lower_win_probability_and_more_stagnation() -> None:
    p = np.linspace(0, 1, 11)
    ones = np.ones(11)
    scores = risk_scores(p, ones, ones * 0.5, ones * 10, ones * 10).score
    assert np.all(np.diff(scores) <= 0)
    assert np.array_equal(
        stagnation(np.array([5.0, 10.0, 20.0, 30.0, 60.0]), np.full(5, 10.0)),
        np.array([0.0, 0.0, 0.5, 1.0, 1.0]),
    )


def test_categories_and_actions() -> None:
    assert categorize(70.0)[0] == "critical"
    assert categorize(69.9)[0] == "high"
    assert categorize(50.0)[0] == "high"
    assert categorize(30.0)[0] == "medium"
    assert categorize(0.0)[0] == "low"
    assert "Escalate" in categorize(95.0)[1]
    with pytest.raises(InputError, match="within 0-100"):
        categorize(101.0)


def test_bad_inputs_are_refused() -> None:
    one = np.array([1.0])
    with pytest.raises(InputError, match="within \\[0, 1\\]"):
        risk_scores(np.array([1.5]), one, one, one, one)
    with pytest.raises(InputError, match="equal length"):
        risk_scores(np.array([0.5, 0.5]), one, one, one, one)


def test_stagnation_saturates_for_a_tiny_typical_time() -> None:
    assert stagnation(np.array([4000.0]), np.array([1e-310]))[0] == 1.0
    assert stagnation(np.array([4000.0]), np.array([float("nan")]))[0] == 0.0
