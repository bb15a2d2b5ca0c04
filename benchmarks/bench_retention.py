"""sBG retention fit: time per fit with the exact gradient vs SciPy's finite differences.

Run: python -m benchmarks.bench_retention. Prints medians of several runs; writes nothing.
The baseline (same optimiser, numerical gradient) is measured in the same run, so the
ratio says what the analytic gradient buys, independent of the machine.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np
from scipy import optimize

from revlake.ml import retention
from revlake.ml.retention import fit_sbg, simulate_survivors

REPEATS = 7
PAPER = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]


def median_seconds(func: Callable[[], object], repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def likelihood_evaluations(func: Callable[[], object]) -> int:
    """How many times `func` evaluates the log-likelihood (a machine-independent cost)."""
    calls = 0
    original = retention.log_likelihood

    def counting(alpha: float, beta: float, survivors: list[int]) -> float:
        nonlocal calls
        calls += 1
        return original(alpha, beta, survivors)

    retention.log_likelihood = counting  # type: ignore[assignment]
    try:
        func()
    finally:
        retention.log_likelihood = original
    return calls


def fit_numeric_gradient(counts: list[int]) -> tuple[float, float]:
    """Baseline: the same likelihood maximised with finite-difference gradients."""

    def objective(log_params: np.ndarray) -> float:
        alpha, beta = float(np.exp(log_params[0])), float(np.exp(log_params[1]))
        return -retention.log_likelihood(alpha, beta, counts)

    result = optimize.minimize(objective, np.zeros(2), method="L-BFGS-B")
    return float(np.exp(result.x[0])), float(np.exp(result.x[1]))


def main() -> None:
    cohorts = {
        "paper, 13 counts": PAPER,
        "simulated, 61 counts": simulate_survivors(0.8, 2.0, 100_000, 60, seed=1),
        "simulated, 241 counts": simulate_survivors(0.8, 2.0, 1_000_000, 240, seed=2),
    }
    print(
        f"{'cohort':<24}{'fit (exact grad)':>18}{'baseline (num. grad)':>22}{'ratio':>8}"
        f"{'LL evals ours/base':>20}"
    )
    for name, counts in cohorts.items():
        ours = median_seconds(lambda c=counts: fit_sbg(c))
        base = median_seconds(lambda c=counts: fit_numeric_gradient(c))
        evals_ours = likelihood_evaluations(lambda c=counts: fit_sbg(c))
        evals_base = likelihood_evaluations(lambda c=counts: fit_numeric_gradient(c))
        print(
            f"{name:<24}{ours * 1e3:>15.2f} ms{base * 1e3:>19.2f} ms{base / ours:>7.1f}x"
            f"{evals_ours:>12} / {evals_base}"
        )
    fit = fit_sbg(PAPER, fit_periods=8)
    alpha, beta = fit_numeric_gradient(PAPER[:8])
    print(
        f"paper regular cohort: exact-gradient alpha={fit.alpha:.4f} beta={fit.beta:.4f}; "
        f"numeric-gradient alpha={alpha:.4f} beta={beta:.4f}"
    )


if __name__ == "__main__":
    main()
