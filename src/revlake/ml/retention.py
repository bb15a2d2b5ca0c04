"""Shifted-beta-geometric (sBG) retention model: fit, projection, lifetime figures.

The model (Fader & Hardie 2007, "How to Project Customer Retention", Journal of
Interactive Marketing 21(1)) tells a simple story about a cohort of contract customers:
at the end of every period each customer renews or churns; customer i churns with a
constant probability theta_i, and theta varies across the cohort as Beta(alpha, beta).
With T the period in which a customer churns (t = 1, 2, ...):

    P(T = 1) = alpha / (alpha + beta)
    P(T = t) = (beta + t - 2) / (alpha + beta + t - 1) * P(T = t - 1)      t >= 2
    S(t)     = P(T > t) = S(t - 1) - P(T = t),  S(0) = 1
    r_t      = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1)

Survivor counts n_0 >= n_1 >= ... >= n_T give the log-likelihood

    LL = sum_{t=1..T} (n_{t-1} - n_t) ln P(T = t)  +  n_T ln S(T)

(churners in each observed period, survivors still censored at the end). It is maximised
with SciPy on log-parameters, with an exact gradient; standard errors come from the
inverse of the observed information (minus the exact Hessian of LL in alpha, beta).

Everything here is pure computation on small arrays; no I/O and nothing at import time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np
import numpy.typing as npt
from scipy import optimize, special, stats

from revlake.errors import InputError, RevlakeError

FloatArray = npt.NDArray[np.float64]

MIN_COUNTS = 3
"""A fit needs at least three survivor counts (two transitions) for two parameters."""

_LOG_BOUNDS = (math.log(1e-4), math.log(1e5))
"""Search box for ln(alpha), ln(beta): wide enough for any real cohort."""

_DEGENERATE_SCALE = 1e4
"""alpha + beta above this means theta has (almost) no spread: a geometric cohort."""


# --------------------------------------------------------------------------- inputs


def validate_survivors(values: Sequence[object], *, field: str = "survivors") -> list[int]:
    """Check survivor counts and return them as ints.

    Counts must be whole numbers (an int, or a float/str/Decimal with no fractional
    part), not negative, start positive and never increase. Errors name the position
    (0-based period) and value so a user can find the bad entry.
    """
    counts: list[int] = []
    for position, raw in enumerate(values):
        counts.append(_as_count(raw, f"{field}[{position}]"))
    if not counts:
        raise InputError(f"{field}: no survivor counts given")
    if counts[0] == 0:
        raise InputError(f"{field}[0] = 0: the cohort has zero customers")
    for position in range(1, len(counts)):
        if counts[position] > counts[position - 1]:
            raise InputError(
                f"{field}[{position}] = {counts[position]} is greater than "
                f"{field}[{position - 1}] = {counts[position - 1]}: survivor counts "
                "must never increase (a cohort only loses customers)"
            )
    return counts


def parse_survivors(text: str, *, field: str = "--survivors") -> list[int]:
    """Parse a comma-separated list of counts (the CLI's --survivors) and validate it."""
    parts = [part.strip() for part in text.split(",")]
    if parts == [""]:
        raise InputError(f"{field}: no survivor counts given")
    for position, part in enumerate(parts):
        if part == "":
            raise InputError(f"{field}: value {position} (0-based) is empty in {text!r}")
    return validate_survivors(parts, field=field)


def _as_count(raw: object, where: str) -> int:
    if isinstance(raw, bool):
        raise InputError(f"{where} = {raw!r} is not a count")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float):
        if not math.isfinite(raw) or raw != int(raw):
            raise InputError(f"{where} = {raw!r} is not a whole number of customers")
        value = int(raw)
    else:
        text = str(raw).strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise InputError(f"{where} = {text!r} is not a number") from None
        if not number.is_finite() or number != number.to_integral_value():
            raise InputError(f"{where} = {text!r} is not a whole number of customers")
        value = int(number)
    if value < 0:
        raise InputError(f"{where} = {value} is negative")
    return value


# --------------------------------------------------------------------------- the model


def _check_params(alpha: float, beta: float) -> None:
    if not (alpha > 0 and beta > 0 and math.isfinite(alpha) and math.isfinite(beta)):
        raise InputError(f"sBG parameters must be positive and finite (alpha={alpha}, beta={beta})")


def churn_probabilities(alpha: float, beta: float, periods: int) -> FloatArray:
    """P(T = t) for t = 1..periods, by the paper's forward recursion."""
    _check_params(alpha, beta)
    if periods <= 0:
        return np.empty(0, dtype=np.float64)
    t = np.arange(1, periods + 1, dtype=np.float64)
    ratios = np.ones(periods, dtype=np.float64)
    ratios[0] = alpha / (alpha + beta)
    if periods > 1:
        ratios[1:] = (beta + t[1:] - 2.0) / (alpha + beta + t[1:] - 1.0)
    return np.cumprod(ratios, dtype=np.float64)


def survival(alpha: float, beta: float, periods: int) -> FloatArray:
    """S(t) = P(T > t) for t = 0..periods (S(0) = 1), as S(t) = S(t-1) - P(T = t).

    Computed as the product of retention rates, which is the same quantity without
    the cancellation error of subtracting small probabilities far out in the tail.
    """
    rates = retention_rates(alpha, beta, periods)
    return np.concatenate(([1.0], np.cumprod(rates)))


def retention_rates(alpha: float, beta: float, periods: int) -> FloatArray:
    """r_t = S(t) / S(t-1) for t = 1..periods: the share of period t-1's survivors kept."""
    _check_params(alpha, beta)
    t = np.arange(1, periods + 1, dtype=np.float64)
    return (beta + t - 1.0) / (alpha + beta + t - 1.0)


def log_likelihood(alpha: float, beta: float, survivors: Sequence[int]) -> float:
    """LL of survivor counts n_0..n_T under sBG(alpha, beta) (churners + censored survivors).

    The recursion is run on logarithms (ln P(T=t) = ln P(T=t-1) + ln ratio_t, and
    ln S(T) = sum of ln r_t), so far-out periods cannot underflow to log(0).
    """
    _check_params(alpha, beta)
    counts = np.asarray(survivors, dtype=np.float64)
    periods = len(counts) - 1
    churners = counts[:-1] - counts[1:]
    t = np.arange(1, periods + 1, dtype=np.float64)
    log_ratios = np.empty(periods, dtype=np.float64)
    log_ratios[0] = math.log(alpha) - math.log(alpha + beta)
    log_ratios[1:] = np.log(beta + t[1:] - 2.0) - np.log(alpha + beta + t[1:] - 1.0)
    log_p = np.cumsum(log_ratios)
    log_s = float(np.sum(np.log(beta + t - 1.0) - np.log(alpha + beta + t - 1.0)))
    return float(churners @ log_p + counts[-1] * log_s)


def _derivatives(alpha: float, beta: float, counts: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Exact gradient and Hessian of LL in (alpha, beta).

    With A_k = sum_{i<k} ln(beta+i) and B_k = sum_{i<k} ln(alpha+beta+i):
    ln P(T=t) = ln alpha + A_{t-1} - B_t and ln S(t) = A_t - B_t, so every derivative
    is a partial sum of 1/(beta+i)^p or 1/(alpha+beta+i)^p.
    """
    periods = len(counts) - 1
    churners = counts[:-1] - counts[1:]
    last = counts[-1]
    i = np.arange(periods, dtype=np.float64)
    a1 = np.concatenate(([0.0], np.cumsum(1.0 / (beta + i))))  # a1[k] = sum_{i<k} 1/(beta+i)
    a2 = np.concatenate(([0.0], np.cumsum(1.0 / (beta + i) ** 2)))
    b1 = np.concatenate(([0.0], np.cumsum(1.0 / (alpha + beta + i))))
    b2 = np.concatenate(([0.0], np.cumsum(1.0 / (alpha + beta + i) ** 2)))
    t = np.arange(1, periods + 1)
    total_churn = float(churners.sum())

    d_alpha = total_churn / alpha - float(churners @ b1[t]) - last * b1[periods]
    d_beta = float(churners @ (a1[t - 1] - b1[t])) + last * (a1[periods] - b1[periods])
    h_aa = -total_churn / alpha**2 + float(churners @ b2[t]) + last * b2[periods]
    h_ab = float(churners @ b2[t]) + last * b2[periods]
    h_bb = float(churners @ (b2[t] - a2[t - 1])) + last * (b2[periods] - a2[periods])
    gradient = np.array([d_alpha, d_beta])
    hessian = np.array([[h_aa, h_ab], [h_ab, h_bb]])
    return gradient, hessian


# --------------------------------------------------------------------------- the fit


@dataclass(frozen=True)
class GoodnessOfFit:
    """How well the fitted curve reproduces the periods it was fitted on.

    chi_square: Pearson's statistic over the T churn cells plus the survivor cell;
    degrees_of_freedom = T - 2 (cells - 1 - two parameters); p_value is None when
    there are no degrees of freedom left. rmse_survivors: root mean squared error of
    fitted vs observed survivor counts over t = 1..T. mape_survival: mean absolute
    percentage error of the survival curve over the same periods.
    """

    chi_square: float
    degrees_of_freedom: int
    p_value: float | None
    rmse_survivors: float
    mape_survival: float


@dataclass(frozen=True)
class ProjectionRow:
    """One period of the observed-versus-model table."""

    period: int
    in_fit: bool
    observed_survivors: int | None
    expected_survivors: float
    observed_survival: float | None
    expected_survival: float
    observed_retention: float | None
    expected_retention: float | None


@dataclass(frozen=True)
class SbgFit:
    """A fitted sBG model and everything derived from it.

    `survivors` are the counts the model was fitted on (n_0..n_T); `holdout` any later
    counts that were given but held back, kept to compare the projection against.
    """

    alpha: float
    beta: float
    alpha_se: float
    beta_se: float
    covariance: tuple[tuple[float, float], tuple[float, float]]
    log_likelihood: float
    survivors: tuple[int, ...]
    holdout: tuple[int, ...]
    converged: bool
    degenerate: bool
    """True when heterogeneity is not identified: a parameter hit the search box, or
    alpha + beta > 1e4 (theta is then all but a single value, the counts look geometric,
    and alpha, beta are only known through their ratio; the projection still holds)."""
    message: str

    @property
    def cohort_size(self) -> int:
        return self.survivors[0]

    @property
    def fitted_periods(self) -> int:
        """T: the number of renewal opportunities (transitions) the fit used."""
        return len(self.survivors) - 1

    @property
    def mean_churn_probability(self) -> float:
        """E[theta] = alpha / (alpha + beta): the cohort's average per-period churn risk."""
        return self.alpha / (self.alpha + self.beta)

    def survival(self, periods: int) -> FloatArray:
        """S(t) for t = 0..periods."""
        return survival(self.alpha, self.beta, periods)

    def goodness_of_fit(self) -> GoodnessOfFit:
        return goodness_of_fit(self.alpha, self.beta, self.survivors)

    def projection(self, periods_ahead: int) -> list[ProjectionRow]:
        """Observed vs model for every fitted period plus `periods_ahead` more.

        Held-back counts, when given, appear as observed values in the projected rows.
        """
        if periods_ahead < 0:
            raise InputError(f"periods ahead must be 0 or more, got {periods_ahead}")
        observed = list(self.survivors) + list(self.holdout)
        horizon = self.fitted_periods + periods_ahead
        curve = self.survival(horizon)
        rates = retention_rates(self.alpha, self.beta, horizon)
        size = self.cohort_size
        rows: list[ProjectionRow] = []
        for t in range(horizon + 1):
            seen = observed[t] if t < len(observed) else None
            before = observed[t - 1] if 0 < t <= len(observed) else None
            rows.append(
                ProjectionRow(
                    period=t,
                    in_fit=t <= self.fitted_periods,
                    observed_survivors=seen,
                    expected_survivors=size * float(curve[t]),
                    observed_survival=None if seen is None else seen / size,
                    expected_survival=float(curve[t]),
                    observed_retention=(seen / before if seen is not None and before else None),
                    expected_retention=None if t == 0 else float(rates[t - 1]),
                )
            )
        return rows

    def expected_remaining_lifetime(self, renewals: int | None = None) -> float:
        """Expected further periods of a customer alive after `renewals` renewals.

        Defaults to a customer still active at the end of the fitted data.
        """
        return expected_remaining_lifetime(
            self.alpha, self.beta, self.fitted_periods if renewals is None else renewals
        )

    def derl(self, discount_rate: float, renewals: int | None = None) -> float:
        """DERL of a customer who has made `renewals` renewals (default: all observed)."""
        return derl(
            self.alpha,
            self.beta,
            discount_rate,
            self.fitted_periods if renewals is None else renewals,
        )

    def discounted_expected_lifetime(self, discount_rate: float) -> float:
        """DEL of a customer at acquisition (first payment included)."""
        return discounted_expected_lifetime(self.alpha, self.beta, discount_rate)


def fit_sbg(survivors: Sequence[object], *, fit_periods: int | None = None) -> SbgFit:
    """Fit alpha and beta by maximum likelihood to survivor counts n_0, n_1, ..., n_T.

    `fit_periods`, when given, is how many counts (n_0..n_{k-1}) to fit on; the rest
    are kept as a hold-out to compare the projection with. Raises InputError for bad
    counts or counts that carry no information about heterogeneity (nobody churned,
    or everybody churned in the first period).
    """
    counts = validate_survivors(survivors)
    if fit_periods is not None:
        if fit_periods < MIN_COUNTS:
            raise InputError(
                f"fit periods = {fit_periods}: a fit needs at least {MIN_COUNTS} counts "
                "(two renewal periods)"
            )
        if fit_periods > len(counts):
            raise InputError(
                f"fit periods = {fit_periods} but only {len(counts)} survivor counts were given"
            )
    used = counts if fit_periods is None else counts[:fit_periods]
    holdout = counts[len(used) :]
    if len(used) < MIN_COUNTS:
        raise InputError(
            f"{len(used)} survivor count(s) given: a fit needs at least {MIN_COUNTS} "
            "(the cohort size and two later periods, i.e. two renewal periods)"
        )
    if used[-1] == used[0]:
        raise InputError(
            "no customer churned in the fitted periods: the churn rate cannot be estimated "
            "(the likelihood has no maximum); add periods with churn"
        )
    if used[1] == 0:
        raise InputError(
            "every customer churned in the first period: there is no retention to model"
        )

    estimate = _maximise([used])
    return SbgFit(
        alpha=estimate.alpha,
        beta=estimate.beta,
        alpha_se=estimate.alpha_se,
        beta_se=estimate.beta_se,
        covariance=estimate.covariance,
        log_likelihood=estimate.log_likelihood,
        survivors=tuple(used),
        holdout=tuple(holdout),
        converged=estimate.converged,
        degenerate=estimate.degenerate,
        message=estimate.message,
    )


@dataclass(frozen=True)
class PooledSbgFit:
    """One sBG model fitted jointly to several cohorts (a segment), each of its own age.

    The cohorts share alpha and beta; their log-likelihoods add up, each cohort censored
    at its own last observed period (Fader & Hardie's approach for cohorts acquired at
    different times). `for_cohort(i)` gives the per-cohort view (projection, fit
    figures, DERL) with the pooled parameters.
    """

    alpha: float
    beta: float
    alpha_se: float
    beta_se: float
    covariance: tuple[tuple[float, float], tuple[float, float]]
    log_likelihood: float
    cohorts: tuple[tuple[int, ...], ...]
    converged: bool
    degenerate: bool
    message: str

    @property
    def customers(self) -> int:
        return sum(cohort[0] for cohort in self.cohorts)

    def survival(self, periods: int) -> FloatArray:
        return survival(self.alpha, self.beta, periods)

    def for_cohort(self, index: int) -> SbgFit:
        """Cohort `index` seen through the pooled parameters."""
        if not 0 <= index < len(self.cohorts):
            raise InputError(f"cohort index {index} is out of range (0..{len(self.cohorts) - 1})")
        return SbgFit(
            alpha=self.alpha,
            beta=self.beta,
            alpha_se=self.alpha_se,
            beta_se=self.beta_se,
            covariance=self.covariance,
            log_likelihood=log_likelihood(self.alpha, self.beta, self.cohorts[index]),
            survivors=self.cohorts[index],
            holdout=(),
            converged=self.converged,
            degenerate=self.degenerate,
            message=self.message,
        )


def fit_sbg_pooled(cohorts: Sequence[Sequence[object]]) -> PooledSbgFit:
    """Fit one alpha, beta to several cohorts' survivor counts by joint maximum likelihood.

    Each cohort is n_0, n_1, ..., n_{T_i} (its own size and age); a cohort with only its
    size (just acquired) carries no information and is kept but adds nothing. Together
    they need at least one cohort with three counts, some churn, and some customers
    surviving the first period.
    """
    if not cohorts:
        raise InputError("no cohorts given")
    checked = [
        validate_survivors(cohort, field=f"cohorts[{index}]")
        for index, cohort in enumerate(cohorts)
    ]
    if max(len(cohort) for cohort in checked) < MIN_COUNTS:
        raise InputError(
            f"no cohort has {MIN_COUNTS} or more survivor counts: a fit needs at least one "
            "cohort observed over two renewal periods"
        )
    if all(cohort[-1] == cohort[0] for cohort in checked):
        raise InputError("no customer churned in any cohort: the churn rate cannot be estimated")
    if all(len(cohort) < 2 or cohort[1] == 0 for cohort in checked):
        raise InputError("every customer of every cohort churned in the first period")
    estimate = _maximise([cohort for cohort in checked if len(cohort) >= 2])
    return PooledSbgFit(
        alpha=estimate.alpha,
        beta=estimate.beta,
        alpha_se=estimate.alpha_se,
        beta_se=estimate.beta_se,
        covariance=estimate.covariance,
        log_likelihood=estimate.log_likelihood,
        cohorts=tuple(tuple(cohort) for cohort in checked),
        converged=estimate.converged,
        degenerate=estimate.degenerate,
        message=estimate.message,
    )


@dataclass(frozen=True)
class _Estimate:
    alpha: float
    beta: float
    alpha_se: float
    beta_se: float
    covariance: tuple[tuple[float, float], tuple[float, float]]
    log_likelihood: float
    converged: bool
    degenerate: bool
    message: str


def _maximise(cohorts: list[list[int]]) -> _Estimate:
    """Maximise the summed log-likelihood of the cohorts over (ln alpha, ln beta)."""
    arrays = [np.asarray(cohort, dtype=np.float64) for cohort in cohorts]

    def total(alpha: float, beta: float) -> tuple[float, FloatArray, FloatArray]:
        value = 0.0
        gradient = np.zeros(2)
        hessian = np.zeros((2, 2))
        for cohort, array in zip(cohorts, arrays, strict=True):
            value += log_likelihood(alpha, beta, cohort)
            g, h = _derivatives(alpha, beta, array)
            gradient += g
            hessian += h
        return value, gradient, hessian

    def objective(log_params: FloatArray) -> tuple[float, FloatArray]:
        alpha, beta = float(np.exp(log_params[0])), float(np.exp(log_params[1]))
        value, gradient, _ = total(alpha, beta)
        # chain rule: d/d ln(a) = a * d/da
        return -value, -gradient * np.array([alpha, beta])

    size = sum(cohort[0] for cohort in cohorts)
    first_churn = sum(cohort[0] - cohort[1] for cohort in cohorts) / size
    first_churn = min(max(first_churn, 1e-3), 1 - 1e-3)
    # Start where E[theta] matches the first period's churn with alpha + beta = 2; if
    # L-BFGS-B reports trouble, retry from alpha = beta = 1 and keep the better optimum.
    starts = [np.log(np.array([2.0 * first_churn, 2.0 * (1.0 - first_churn)])), np.zeros(2)]
    best: optimize.OptimizeResult | None = None
    for start in starts:
        result = optimize.minimize(
            objective,
            np.clip(start, *_LOG_BOUNDS),
            jac=True,
            method="L-BFGS-B",
            bounds=[_LOG_BOUNDS, _LOG_BOUNDS],
            options={"ftol": 1e-12, "gtol": 1e-8, "maxiter": 2000},
        )
        if best is None or result.fun < best.fun:
            best = result
        if best.success:
            break
    assert best is not None
    if not math.isfinite(float(best.fun)):
        raise RevlakeError(f"sBG fit failed: {best.message}")
    alpha, beta = float(np.exp(best.x[0])), float(np.exp(best.x[1]))
    lower, upper = _LOG_BOUNDS
    at_edge = bool(np.any(best.x < lower + 1e-3) or np.any(best.x > upper - 1e-3))
    degenerate = at_edge or alpha + beta > _DEGENERATE_SCALE

    _, _, hessian = total(alpha, beta)
    information = -hessian
    covariance = np.full((2, 2), np.nan)
    if np.all(np.linalg.eigvalsh(information) > 0):
        covariance = np.linalg.inv(information)
    message = str(best.message)
    if at_edge and alpha + beta <= _DEGENERATE_SCALE:
        message = (
            f"the estimates reached the edge of the search range (alpha = {alpha:.4g}, "
            f"beta = {beta:.4g}; both are kept in [1e-4, 1e5]): the counts look like a mix "
            "of customers who leave at once and customers who never leave; the standard "
            "errors are not meaningful"
        )
    elif degenerate:
        message = (
            f"heterogeneity is not identified (alpha = {alpha:.4g}, beta = {beta:.4g}): the "
            "counts look like one constant churn rate for everybody "
            f"({alpha / (alpha + beta):.4f} per period); alpha and beta are known only "
            "through their ratio and their standard errors are not meaningful"
        )
    return _Estimate(
        alpha=alpha,
        beta=beta,
        alpha_se=math.sqrt(covariance[0, 0]) if covariance[0, 0] > 0 else math.nan,
        beta_se=math.sqrt(covariance[1, 1]) if covariance[1, 1] > 0 else math.nan,
        covariance=(
            (float(covariance[0, 0]), float(covariance[0, 1])),
            (float(covariance[1, 0]), float(covariance[1, 1])),
        ),
        log_likelihood=-float(best.fun),
        converged=bool(best.success),
        degenerate=degenerate,
        message=message,
    )


def goodness_of_fit(alpha: float, beta: float, survivors: Sequence[int]) -> GoodnessOfFit:
    """Pearson chi-square over churn cells and the survivor cell, plus survivor errors."""
    counts = np.asarray(survivors, dtype=np.float64)
    periods = len(counts) - 1
    size = counts[0]
    observed_cells = np.concatenate((counts[:-1] - counts[1:], [counts[-1]]))
    expected_cells = size * np.concatenate(
        (churn_probabilities(alpha, beta, periods), [survival(alpha, beta, periods)[-1]])
    )
    chi_square = float(np.sum((observed_cells - expected_cells) ** 2 / expected_cells))
    dof = periods - 2
    p_value = float(stats.chi2.sf(chi_square, dof)) if dof > 0 else None
    fitted = size * survival(alpha, beta, periods)[1:]
    actual = counts[1:]
    rmse = float(np.sqrt(np.mean((fitted - actual) ** 2)))
    nonzero = actual > 0
    mape = (
        float(np.mean(np.abs(fitted[nonzero] - actual[nonzero]) / actual[nonzero]))
        if np.any(nonzero)
        else math.nan
    )
    return GoodnessOfFit(chi_square, dof, p_value, rmse, mape)


# --------------------------------------------------------------------------- lifetimes


def expected_remaining_lifetime(alpha: float, beta: float, renewals: int) -> float:
    """E[T - m | T > m]: further periods (this one included) of a customer with m renewals.

    Given survival to m the customer's churn probability is Beta(alpha, beta + m), so the
    remaining lifetime is sBG(alpha, beta + m) with mean (alpha + beta + m - 1)/(alpha - 1).
    The mean is infinite when alpha <= 1 (a heavy tail of very loyal customers; both
    cohorts of the paper have alpha < 1): use the discounted figure (DERL) then.
    """
    _check_params(alpha, beta)
    if renewals < 0:
        raise InputError(f"renewals must be 0 or more, got {renewals}")
    if alpha <= 1.0:
        return math.inf
    return (alpha + beta + renewals - 1.0) / (alpha - 1.0)


def _check_discount(discount_rate: float) -> None:
    if not (discount_rate > 0 and math.isfinite(discount_rate)):
        raise InputError(f"discount rate must be positive (per period), got {discount_rate}")


def discounted_expected_lifetime(alpha: float, beta: float, discount_rate: float) -> float:
    """DEL = sum_{t>=0} S(t) / (1+d)^t = 2F1(1, beta; alpha+beta; 1/(1+d)).

    The expected discounted number of payments of a customer at acquisition, the first
    (immediate) payment included; multiply by the payment to get an expected CLV.
    """
    _check_params(alpha, beta)
    _check_discount(discount_rate)
    return float(special.hyp2f1(1.0, beta, alpha + beta, 1.0 / (1.0 + discount_rate)))


def derl(alpha: float, beta: float, discount_rate: float, renewals: int) -> float:
    """Discounted expected residual lifetime of a customer who has made `renewals` renewals.

    Fader & Hardie (2010, "Customer-Base Valuation in a Contractual Setting: The Perils of
    Ignoring Heterogeneity", Marketing Science 29(1)), with n - 1 = renewals:

        DERL = sum_{t>=n} S(t | T > n-1) / (1+d)^{t-n}
             = (beta + n - 1)/(alpha + beta + n - 1) * 2F1(1, beta + n; alpha + beta + n; 1/(1+d))

    evaluated just before the next renewal decision: the next payment (made if the
    customer renews) counts undiscounted, each later one is discounted one more period.
    Multiply by the per-period payment (e.g. MRR x gross margin) for a residual value.
    """
    _check_params(alpha, beta)
    _check_discount(discount_rate)
    if renewals < 0:
        raise InputError(f"renewals must be 0 or more, got {renewals}")
    n = renewals + 1
    lead = (beta + n - 1.0) / (alpha + beta + n - 1.0)
    return float(
        lead * special.hyp2f1(1.0, beta + n, alpha + beta + n, 1.0 / (1.0 + discount_rate))
    )


def simulate_survivors(
    alpha: float, beta: float, customers: int, periods: int, seed: int
) -> list[int]:
    """Survivor counts n_0..n_periods of a cohort drawn from sBG(alpha, beta).

    Each customer draws theta ~ Beta(alpha, beta), then the period of churn T from a
    geometric distribution with success probability theta; n_t = #{T > t}. Used to check
    that the fit recovers known parameters.
    """
    _check_params(alpha, beta)
    if customers <= 0 or periods <= 0:
        raise InputError("customers and periods must be positive")
    rng = np.random.default_rng(seed)
    theta = rng.beta(alpha, beta, size=customers)
    theta = np.clip(theta, 1e-12, 1.0)
    churn_period = rng.geometric(theta)
    return [int(np.sum(churn_period > t)) for t in range(periods + 1)]
