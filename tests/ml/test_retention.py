"""The shifted-beta-geometric model: formulas, the paper's example, recovery, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from revlake.errors import InputError
from revlake.ml.retention import (
    churn_probabilities,
    derl,
    discounted_expected_lifetime,
    expected_remaining_lifetime,
    fit_sbg,
    fit_sbg_pooled,
    log_likelihood,
    parse_survivors,
    retention_rates,
    simulate_survivors,
    survival,
)

# Fader & Hardie (2007), "How to Project Customer Retention", Journal of Interactive
# Marketing 21(1): 76-90, Table 1 / Figure 1 (data from Berry & Linoff 2004). The paper
# calls the cohort that loses 37% in year 1 "regular" and the one that loses 13% "high
# end"; fitted on years 0-7 it reports regular alpha=0.704, beta=1.182 and high end
# alpha=0.668, beta=3.806.
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]


# ------------------------------------------------------------------------ formulas


def test_recursion_matches_the_closed_form_beta_functions() -> None:
    alpha, beta = 0.7, 1.3
    t = np.arange(1, 21)
    closed_p = np.exp(special.betaln(alpha + 1, beta + t - 1) - special.betaln(alpha, beta))
    closed_s = np.exp(special.betaln(alpha, beta + t) - special.betaln(alpha, beta))
    np.testing.assert_allclose(churn_probabilities(alpha, beta, 20), closed_p, rtol=1e-12)
    np.testing.assert_allclose(survival(alpha, beta, 20)[1:], closed_s, rtol=1e-12)
    # S(t) = S(t-1) - P(T=t) and r_t = S(t)/S(t-1)
    s = survival(alpha, beta, 20)
    np.testing.assert_allclose(s[:-1] - s[1:], closed_p, rtol=1e-10)
    np.testing.assert_allclose(retention_rates(alpha, beta, 20), s[1:] / s[:-1], rtol=1e-12)


def test_retention_rises_with_tenure_as_the_paper_describes() -> None:
    rates = retention_rates(0.704, 1.182, 12)
    assert np.all(np.diff(rates) > 0)


def test_log_likelihood_is_churners_plus_censored_survivors() -> None:
    counts = [100, 60, 45, 40]
    alpha, beta = 1.1, 2.0
    p = churn_probabilities(alpha, beta, 3)
    s3 = survival(alpha, beta, 3)[-1]
    expected = 40 * math.log(p[0]) + 15 * math.log(p[1]) + 5 * math.log(p[2]) + 40 * math.log(s3)
    assert log_likelihood(alpha, beta, counts) == pytest.approx(expected, rel=1e-12)


# ------------------------------------------------------------------ the paper's example


@pytest.mark.parametrize(
    ("counts", "alpha", "beta"),
    [(REGULAR, 0.704, 1.182), (HIGH_END, 0.668, 3.806)],
    ids=["regular", "high-end"],
)
def test_fit_reproduces_the_published_estimates(
    counts: list[int], alpha: float, beta: float
) -> None:
    fit = fit_sbg(counts, fit_periods=8)
    assert fit.converged and not fit.degenerate
    assert round(fit.alpha, 3) == alpha
    assert round(fit.beta, 3) == beta
    assert fit.fitted_periods == 7
    assert fit.holdout == tuple(counts[8:])
    # the MLE is a maximum: nudging either parameter lowers the likelihood
    for d_alpha, d_beta in [(0.01, 0), (-0.01, 0), (0, 0.02), (0, -0.02)]:
        assert log_likelihood(fit.alpha + d_alpha, fit.beta + d_beta, counts[:8]) < (
            fit.log_likelihood
        )


@pytest.mark.parametrize("counts", [REGULAR, HIGH_END], ids=["regular", "high-end"])
def test_projection_tracks_the_held_back_years(counts: list[int]) -> None:
    fit = fit_sbg(counts, fit_periods=8)
    rows = fit.projection(periods_ahead=5)
    held_back = [row for row in rows if not row.in_fit]
    assert [row.period for row in held_back] == [8, 9, 10, 11, 12]
    for row in held_back:
        assert row.observed_survivors is not None
        error = abs(row.expected_survivors - row.observed_survivors) / row.observed_survivors
        assert error < 0.05, (row.period, row.expected_survivors, row.observed_survivors)
    # a naive straight-line extrapolation of the fitted years is far worse (the paper's point)
    slope = (counts[7] - counts[0]) / 7
    assert counts[0] + slope * 12 < 0.5 * counts[12]


def test_goodness_of_fit_figures() -> None:
    fit = fit_sbg(REGULAR, fit_periods=8)
    gof = fit.goodness_of_fit()
    assert gof.degrees_of_freedom == 5
    assert gof.p_value is not None and gof.p_value > 0.5  # the paper's fit is very close
    assert 0 < gof.rmse_survivors < 10
    assert 0 < gof.mape_survival < 0.03
    assert fit.log_likelihood == pytest.approx(log_likelihood(fit.alpha, fit.beta, REGULAR[:8]))


def test_standard_errors_come_from_the_observed_information() -> None:
    fit = fit_sbg(REGULAR, fit_periods=8)
    # numerical Hessian of LL at the MLE, independent of the analytic one in the module
    h = 1e-4
    x = np.array([fit.alpha, fit.beta])

    def ll(v: np.ndarray) -> float:
        return log_likelihood(float(v[0]), float(v[1]), REGULAR[:8])

    hessian = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            e_i, e_j = np.eye(2)[i] * h, np.eye(2)[j] * h
            hessian[i, j] = (
                ll(x + e_i + e_j) - ll(x + e_i - e_j) - ll(x - e_i + e_j) + ll(x - e_i - e_j)
            ) / (4 * h * h)
    covariance = np.linalg.inv(-hessian)
    assert fit.alpha_se == pytest.approx(math.sqrt(covariance[0, 0]), rel=1e-3)
    assert fit.beta_se == pytest.approx(math.sqrt(covariance[1, 1]), rel=1e-3)
    assert fit.covariance[0][1] == pytest.approx(covariance[0, 1], rel=1e-3)


# ------------------------------------------------------------------ simulated cohorts


def test_fit_recovers_known_parameters_of_a_simulated_cohort() -> None:
    alpha, beta = 0.9, 2.5
    counts = simulate_survivors(alpha, beta, customers=20_000, periods=10, seed=20261121)
    fit = fit_sbg(counts, fit_periods=7)
    assert abs(fit.alpha - alpha) < 3 * fit.alpha_se
    assert abs(fit.beta - beta) < 3 * fit.beta_se
    # and the projection tracks the three held-back periods
    for row in fit.projection(3)[7:]:
        assert row.observed_survivors is not None
        assert row.expected_survivors == pytest.approx(row.observed_survivors, rel=0.03)


def test_simulation_is_deterministic_for_a_seed() -> None:
    assert simulate_survivors(1.0, 3.0, 500, 5, seed=7) == simulate_survivors(
        1.0, 3.0, 500, 5, seed=7
    )


def test_homogeneous_cohort_is_flagged_as_degenerate() -> None:
    # exactly geometric counts (every customer churns with 20%): no heterogeneity at all
    counts = [round(10_000 * 0.8**t) for t in range(8)]
    fit = fit_sbg(counts)
    assert fit.degenerate
    assert fit.mean_churn_probability == pytest.approx(0.2, abs=0.002)


# ------------------------------------------------------------------ lifetimes


def test_expected_remaining_lifetime() -> None:
    assert math.isinf(expected_remaining_lifetime(0.7, 1.2, 3))
    # alpha > 1: mean of sBG(alpha, beta + m) is (alpha + beta + m - 1)/(alpha - 1)
    assert expected_remaining_lifetime(3.0, 6.0, 2) == pytest.approx(5.0)
    curve = survival(3.0, 6.0, 4000)
    direct = sum(float(curve[2 + k] / curve[2]) for k in range(3990))
    assert direct == pytest.approx(5.0, rel=1e-3)


@pytest.mark.parametrize("renewals", [0, 1, 7])
def test_derl_closed_form_equals_the_discounted_sum(renewals: int) -> None:
    alpha, beta, d = 0.704, 1.182, 0.1
    s = survival(alpha, beta, 3000)
    x = 1 / (1 + d)
    n = renewals + 1
    series = sum(float(s[t] / s[n - 1]) * x ** (t - n) for t in range(n, 3000))
    assert derl(alpha, beta, d, renewals) == pytest.approx(series, rel=1e-9)


def test_del_counts_the_first_payment_then_discounted_residuals() -> None:
    alpha, beta, d = 0.668, 3.806, 0.1
    # DEL = S(0) + sum_{t>=1} S(t)/(1+d)^t = 1 + DERL(0)/(1+d)
    assert discounted_expected_lifetime(alpha, beta, d) == pytest.approx(
        1 + derl(alpha, beta, d, 0) / (1 + d), rel=1e-12
    )
    # loyal survivors are worth more than a new customer: DERL grows with tenure
    assert derl(alpha, beta, d, 7) > derl(alpha, beta, d, 0)


@pytest.mark.parametrize("rate", [0.0, -0.1, math.inf])
def test_discount_rate_must_be_positive(rate: float) -> None:
    with pytest.raises(InputError, match="discount rate"):
        derl(1.0, 1.0, rate, 0)


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ([1000, 631, 700], r"survivors\[2\] = 700 is greater than survivors\[1\] = 631"),
        ([0, 0, 0], "zero customers"),
        ([1000, -5, 3], r"survivors\[1\] = -5 is negative"),
        ([1000, 631.5, 400], r"survivors\[1\] = 631.5 is not a whole number"),
        ([1000, "abc", 400], r"survivors\[1\] = 'abc' is not a number"),
        ([1000, 631], "at least 3"),
        ([1000], "at least 3"),
        ([], "no survivor counts"),
        ([500, 500, 500], "no customer churned"),
        ([500, 0, 0], "every customer churned in the first period"),
    ],
)
def test_bad_survivor_counts_give_clear_errors(counts: list[object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        fit_sbg(counts)


def test_parse_survivors_names_the_bad_entry() -> None:
    assert parse_survivors(" 1000, 631,468 ") == [1000, 631, 468]
    with pytest.raises(InputError, match=r"value 1 \(0-based\) is empty"):
        parse_survivors("1000,,468")
    with pytest.raises(InputError, match=r"--survivors\[2\] = 'x'"):
        parse_survivors("1000,631,x")


def test_fit_periods_must_fit_the_data() -> None:
    with pytest.raises(InputError, match="at least 3"):
        fit_sbg(REGULAR, fit_periods=2)
    with pytest.raises(InputError, match="only 13 survivor counts"):
        fit_sbg(REGULAR, fit_periods=14)


def test_all_or_nothing_cohort_is_flagged_at_the_edge() -> None:
    # half leave after one period, the rest never: theta is 0 or 1, alpha and beta -> 0
    fit = fit_sbg([100, 50, 50, 50])
    assert fit.degenerate
    assert "edge of the search range" in fit.message
    assert fit.projection(2)[-1].expected_survivors == pytest.approx(50, abs=0.5)


# ------------------------------------------------------------------ pooled cohorts


def test_pooled_fit_of_one_cohort_is_the_single_fit() -> None:
    single = fit_sbg(REGULAR)
    pooled = fit_sbg_pooled([REGULAR])
    assert pooled.alpha == pytest.approx(single.alpha, rel=1e-6)
    assert pooled.beta == pytest.approx(single.beta, rel=1e-6)
    assert pooled.alpha_se == pytest.approx(single.alpha_se, rel=1e-5)


def test_pooled_fit_recovers_parameters_from_cohorts_of_different_ages() -> None:
    alpha, beta = 0.8, 3.0
    cohorts = [
        simulate_survivors(alpha, beta, customers=1_500, periods=age, seed=100 + age)
        for age in range(1, 13)
    ] + [[700]]  # a cohort acquired this period: kept, adds nothing
    pooled = fit_sbg_pooled(cohorts)
    assert abs(pooled.alpha - alpha) < 3 * pooled.alpha_se
    assert abs(pooled.beta - beta) < 3 * pooled.beta_se
    assert pooled.customers == 12 * 1_500 + 700
    assert pooled.log_likelihood == pytest.approx(
        sum(log_likelihood(pooled.alpha, pooled.beta, c) for c in cohorts if len(c) > 1)
    )
    # each cohort seen through the pooled parameters
    youngest = pooled.for_cohort(0)
    assert youngest.survivors == tuple(cohorts[0])
    assert youngest.fitted_periods == 1
    assert len(youngest.projection(3)) == 5


def test_pooled_fit_errors() -> None:
    with pytest.raises(InputError, match="no cohorts"):
        fit_sbg_pooled([])
    with pytest.raises(InputError, match="no cohort has 3 or more"):
        fit_sbg_pooled([[100, 60], [50, 30]])
    with pytest.raises(InputError, match=r"cohorts\[1\]\[2\] = 40 is greater"):
        fit_sbg_pooled([[100, 60, 50], [50, 30, 40]])
    with pytest.raises(InputError, match="no customer churned in any cohort"):
        fit_sbg_pooled([[100, 100, 100], [50, 50]])
    with pytest.raises(InputError, match="out of range"):
        fit_sbg_pooled([REGULAR]).for_cohort(1)
