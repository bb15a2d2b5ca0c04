"""Monte Carlo pipeline simulation: exact distribution, determinism, clear input errors."""

from __future__ import annotations

import numpy as np
import pytest

from revlake.errors import InputError
from revlake.ml.montecarlo import (
    NewPipelineRates,
    OpenDeals,
    build_alias_tables,
    expected_per_period,
    simulate_new_pipeline,
    simulate_open_deals,
    summarise,
)


def random_deals(n: int, periods: int, seed: int) -> OpenDeals:
    rng = np.random.default_rng(seed)
    return OpenDeals(
        win_probability=rng.uniform(0.0, 1.0, n),
        amount=rng.lognormal(9.0, 1.0, n),
        close_period_probs=rng.dirichlet(np.full(periods + 1, 0.5), size=n),
    )


def test_alias_tables_encode_each_row_exactly() -> None:
    probs = np.random.default_rng(1).dirichlet(np.full(9, 0.3), size=50)
    tables = build_alias_tables(probs)
    columns = probs.shape[1]
    implied = np.zeros_like(probs)
    for row in range(probs.shape[0]):
        for col in range(columns):
            keep = float(tables.keep[row, col])
            implied[row, col] += keep / columns
            implied[row, int(tables.alias[row, col])] += (1 - keep) / columns
    np.testing.assert_allclose(implied, probs, atol=1e-6)


def test_single_deal_frequencies_match_its_distribution() -> None:
    timing = np.array([[0.1, 0.0, 0.45, 0.25, 0.2]])
    deals = OpenDeals(np.array([0.6]), np.array([1.0]), timing)
    sims = 200_000
    frequency = simulate_open_deals(deals, sims, seed=7).mean(axis=0)
    expected = 0.6 * timing[0, :-1]
    standard_error = np.sqrt(expected * (1 - expected) / sims) + 1e-12
    assert frequency[1] == 0.0  # a period with zero probability never gets the deal
    assert np.all(np.abs(frequency - expected) < 5 * standard_error)


def test_mean_and_spread_match_the_analytic_values() -> None:
    deals = random_deals(400, 6, seed=3)
    sims = 20_000
    totals = simulate_open_deals(deals, sims, seed=11)
    expected = expected_per_period(deals)
    standard_error = totals.std(axis=0) / np.sqrt(sims)
    assert np.all(np.abs(totals.mean(axis=0) - expected) < 5 * standard_error)
    pt = deals.win_probability[:, None] * deals.close_period_probs[:, :-1]
    analytic_sd = np.sqrt((deals.amount[:, None] ** 2 * pt * (1 - pt)).sum(axis=0))
    np.testing.assert_allclose(totals.std(axis=0), analytic_sd, rtol=0.05)


def test_same_seed_same_result_whatever_the_threads() -> None:
    deals = random_deals(300, 4, seed=5)
    one = simulate_open_deals(deals, 1_000, seed=9, max_cells_per_chunk=30_000, threads=1)
    two = simulate_open_deals(deals, 1_000, seed=9, max_cells_per_chunk=30_000, threads=2)
    np.testing.assert_array_equal(one, two)
    other = simulate_open_deals(deals, 1_000, seed=10, max_cells_per_chunk=30_000)
    assert not np.array_equal(one, other)


def test_bands_are_ordered_and_cumulative_grows() -> None:
    bands = summarise(simulate_open_deals(random_deals(200, 5, seed=2), 2_000, seed=1))
    assert np.all(np.diff(bands.per_period, axis=0) >= 0)  # P10 ≤ P50 ≤ P90
    assert np.all(np.diff(bands.cumulative, axis=1) >= 0)


def test_new_pipeline_mean_follows_rates() -> None:
    rates = NewPipelineRates(
        deals_created_per_period=40.0,
        win_rate=0.25,
        close_lag_probs=np.array([0.1, 0.5, 0.3, 0.1]),
        won_amounts=np.array([1_000.0, 3_000.0]),
    )
    totals = simulate_new_pipeline(rates, n_periods=6, n_sims=20_000, seed=4)
    mean_wins = 40 * 0.25 * np.cumsum([0.1, 0.5, 0.3, 0.1, 0.0, 0.0])
    np.testing.assert_allclose(totals.mean(axis=0), mean_wins * 2_000.0, rtol=0.03)


@pytest.mark.parametrize(
    ("win", "amount", "timing", "message"),
    [
        ([1.2], [10.0], [[1.0, 0.0]], "row 0: win_probability outside"),
        ([0.5, 0.5], [10.0, -1.0], [[1.0, 0.0], [1.0, 0.0]], "row 1: amount negative"),
        ([0.5], [10.0], [[0.5, 0.4]], "does not sum to 1"),
        ([0.5], [10.0], [[1.0]], "at least 2 columns"),
        ([0.5], [10.0, 2.0], [[1.0, 0.0]], "equal length"),
    ],
)
def test_bad_inputs_name_the_row(
    win: list[float], amount: list[float], timing: list[list[float]], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        OpenDeals(np.array(win), np.array(amount), np.array(timing))
