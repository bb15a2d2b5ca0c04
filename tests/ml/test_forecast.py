"""Forecast: periods, new-pipeline simulation, baseline, and an honest coverage check."""

from __future__ import annotations

import numpy as np
import pytest

from revlake.errors import InputError
from revlake.ml import forecast as forecast_module
from revlake.ml.backtest import actual_won, history_as_of
from revlake.ml.deals import day_number
from revlake.ml.features import FeatureSpec
from revlake.ml.forecast import (
    NewDealPlan,
    alias_rows,
    basis_bytes,
    basis_from_bytes,
    forecast_basis,
    forecast_from_basis,
    forecast_history,
    new_deal_plan,
    period_ends,
    simulate_new_deals,
    stage_rate_model,
    stage_weighted_baseline,
)
from revlake.ml.timing import MAX_WEEKS
from tests.ml.hazard_data import hazard_history

AS_OF = day_number(__import__("datetime").date(2025, 1, 15))


def test_period_ends_weeks_and_calendar_months() -> None:
    np.testing.assert_array_equal(period_ends(AS_OF, 4, "week") - AS_OF, [7, 14, 21, 28])
    months = period_ends(AS_OF, 4, "month") - AS_OF
    np.testing.assert_array_equal(months, [16, 44, 75, 105])  # Jan 31, Feb 28, Mar 31, Apr 30
    for bad in (3, 27):
        with pytest.raises(InputError, match="between 4 and 26"):
            period_ends(AS_OF, bad, "week")
    with pytest.raises(InputError, match="week' or 'month"):
        period_ends(AS_OF, 4, "day")  # type: ignore[arg-type]


def test_new_deal_simulation_has_the_analytic_mean() -> None:
    ends = period_ends(AS_OF, 6, "week")
    plan = NewDealPlan(
        created_per_day=np.full(6, 3.0),
        wins_per_deal=0.4,
        won_lag_days=np.array([0, 10]),
        won_amount=np.array([100.0, 1000.0]),
        cohort=100,
    )
    sims = simulate_new_deals(plan, AS_OF, ends, 20_000, seed=3)
    # a lag-0 win lands in its creation period; a 10-day one stays inside the 42-day horizon
    # only when created on day 1–32 (creation days are uniform over days 1–42)
    wins_per_period = 3.0 * 7 * 0.4
    expected_total = wins_per_period * 6 * 0.5 * (100 + 1000 * 32 / 42)
    assert sims.sum(axis=1).mean() == pytest.approx(expected_total, rel=0.02)
    assert sims[:, 0].mean() == pytest.approx(wins_per_period * 0.5 * 100, rel=0.03)


def _all_wins_at_once(plan: NewDealPlan, ends: np.ndarray, n_sims: int, seed: int) -> np.ndarray:
    """`simulate_new_deals` as it was before its wins were drawn in blocks (2026-12-07):
    every win of a period drawn at once, the landing rates of every quick win at once."""
    rng = np.random.default_rng(seed)
    k = plan.won_amount.size
    scale = rng.gamma(float(k), 1.0 / k, size=(n_sims, 1))
    starts = np.concatenate(([AS_OF], ends[:-1]))
    days = ends - starts
    mean = plan.created_per_day * days * plan.wins_per_deal
    lag = plan.won_lag_days[:, None, None]
    first = np.maximum(starts[None, :, None] + 1 + lag, starts[None, None, :] + 1)
    last = np.minimum(ends[None, :, None] + lag, ends[None, None, :])
    share = np.maximum(last - first + 1, 0) / days[None, :, None]
    rates = np.einsum("c,jcp->jp", mean, share) / k
    per_period = rates.sum(axis=0)
    counts = rng.poisson(scale * per_period, size=(n_sims, ends.size))
    shares = np.where(per_period > 0, rates / np.where(per_period > 0, per_period, 1.0), 1.0 / k)
    keep, alias = alias_rows(shares.T)
    threshold = (np.arange(k) + keep).astype(np.float32)
    alias_amount = plan.won_amount[alias]
    out = np.zeros((n_sims, ends.size))
    for p in range(ends.size):
        drawn = int(counts[:, p].sum())
        if drawn == 0:
            continue
        scaled = rng.random(drawn, dtype=np.float32) * np.float32(k)
        column = np.minimum(scaled.astype(np.int32), k - 1)
        amounts = np.where(
            scaled < threshold[p].take(column),
            plan.won_amount.take(column),
            alias_amount[p].take(column),
        )
        some = np.flatnonzero(counts[:, p])
        starts = np.concatenate(([0], np.cumsum(counts[some, p])[:-1]))
        out[some, p] = np.add.reduceat(amounts, starts)
    return out


@pytest.mark.parametrize("block", [1, 7, 1000, 1 << 20])
def test_new_deal_wins_drawn_in_blocks_are_the_wins_drawn_at_once(
    block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    ends = period_ends(AS_OF, 8, "week")
    rng = np.random.default_rng(11)
    plan = NewDealPlan(
        created_per_day=np.linspace(2.0, 4.0, 8),
        wins_per_deal=0.3,
        won_lag_days=rng.integers(0, 40, size=50),
        won_amount=rng.gamma(2.0, 500.0, size=50),
        cohort=400,
    )
    monkeypatch.setattr(forecast_module, "NEW_DEAL_BLOCK_WINS", block)
    monkeypatch.setattr(forecast_module, "LANDING_BLOCK", max(1, block // 100))
    drawn = simulate_new_deals(plan, AS_OF, ends, 3_000, seed=5)
    expected = _all_wins_at_once(plan, ends, 3_000, seed=5)
    assert drawn.sum() > 0
    np.testing.assert_array_equal(drawn, expected)  # bit for bit, whatever the block


def test_new_deal_plan_uses_a_cohort_whose_quick_wins_are_known() -> None:
    history, _ = hazard_history(days=720, per_day=3.0, seed=5)
    ends = period_ends(history.as_of, 13, "week")
    plan = new_deal_plan(history, ends)
    # P(won within 91 days) = P(won) × P(close within 13 weeks | won), closing day-uniform
    h = 0.11
    truth = 0.06 / h * (1 - (1 - h) ** 13)
    assert plan.wins_per_deal == pytest.approx(truth, abs=0.05)
    assert plan.created_per_day == pytest.approx(np.full(13, 3.0), rel=0.15)
    assert (plan.won_lag_days <= 91).all()


def test_baseline_puts_amount_times_stage_rate_in_the_expected_close_period() -> None:
    history, _ = hazard_history(days=200, seed=4)
    deals = np.flatnonzero(~history.is_closed)[:3]
    close = history.close.copy()
    close[deals] = [history.as_of + 3, history.as_of + 10, history.as_of + 400]
    history = type(history)(**{**history.__dict__, "close": close})
    ends = period_ends(history.as_of, 4, "week")
    out = stage_weighted_baseline(history, deals, np.array([0.5, 0.5, 0.5]), ends)
    amounts = history.amount[deals] * 0.5
    np.testing.assert_allclose(out, [amounts[0], amounts[1], 0.0, 0.0])


def test_p10_p90_covers_the_truth_about_80_percent_on_known_laws() -> None:
    """Honest end to end: 40 worlds with known win and timing laws; in each, fit on the
    history up to a cut-off, forecast the next 13 weeks (open + new pipeline) and check
    the band against what then happened. Measured: 30/40 = 75% (the band omits the
    uncertainty of the win and timing estimates, so it is a little narrow)."""
    inside = 0
    errors = []
    for seed in range(40):
        full, cut = hazard_history(seed=seed, extra_days=91)
        day = day_number(cut)
        then = history_as_of(full, day)
        stage_model = stage_rate_model(then, FeatureSpec.from_history(then))
        fc = forecast_history(then, stage_model, horizon=13, n_sims=2000, seed=seed)
        actual = actual_won(full, day, int(fc.period_ends[-1]))
        p10, p50, p90 = fc.bands.cumulative[:, -1]
        inside += int(p10 <= actual <= p90)
        errors.append((p50 - actual) / actual)
    assert 0.65 <= inside / 40 <= 0.95
    assert abs(float(np.mean(errors))) < 0.05  # no systematic bias


def test_alias_rows_reproduce_each_row_exactly() -> None:
    rng = np.random.default_rng(0)
    for k in (1, 2, 9, 300):
        probs = rng.random((5, k)) ** 3
        probs[:, : k // 3] = 0.0  # categories that can never be drawn
        probs /= probs.sum(axis=1, keepdims=True)
        keep, alias = alias_rows(probs)
        implied = np.zeros_like(probs)
        for row in range(probs.shape[0]):
            np.add.at(implied[row], np.arange(k), keep[row] / k)
            np.add.at(implied[row], alias[row], (1.0 - keep[row]) / k)
        np.testing.assert_allclose(implied, probs, atol=1e-12)


def test_every_horizon_folds_the_same_stored_worlds() -> None:
    """One basis per history: a 4-week forecast is the first 4 weeks of the 13-week one
    in every simulated world (open pipeline), and a stored basis gives the same forecast."""
    history, _ = hazard_history(seed=3)
    model = stage_rate_model(history, FeatureSpec.from_history(history))
    basis = forecast_basis(history, model, n_sims=500, seed=2)
    assert basis.weekly_won.shape == (500, MAX_WEEKS) and basis.deals.deal_idx.size > 0
    short = forecast_from_basis(basis, horizon=4, period="week")
    long = forecast_from_basis(basis, horizon=13, period="week")
    np.testing.assert_array_equal(
        short.open_bands.mean_per_period, long.open_bands.mean_per_period[:4]
    )
    direct = forecast_history(history, model, horizon=13, n_sims=500, seed=2)
    np.testing.assert_array_equal(direct.bands.cumulative, long.bands.cumulative)
    stored = basis_from_bytes(basis_bytes(basis))
    again = forecast_from_basis(stored, horizon=13, period="week")
    np.testing.assert_array_equal(again.bands.per_period, long.bands.per_period)
    np.testing.assert_array_equal(again.baseline_per_period, long.baseline_per_period)
    with pytest.raises(InputError, match="forecast basis"):
        basis_from_bytes(b"not an archive")
