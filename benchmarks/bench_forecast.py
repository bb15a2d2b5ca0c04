"""Monte Carlo forecast engine: 10,000 simulations × 100,000 open deals.

Prints the median wall time of several runs of `simulate_open_deals`, beside the time
NumPy takes just to draw the same number of uniform random numbers (the floor any exact
simulation pays), and their ratio. Also times the close-timing step that feeds it:
projecting every open deal's weekly close hazards two years ahead and folding them into
the forecast periods (`revlake.ml.timing`), with fixed plausible coefficients.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from revlake.ml.features import FEATURE_NAMES, FeatureSpec
from revlake.ml.montecarlo import OpenDeals, simulate_open_deals
from revlake.ml.timing import (
    DEAL_FEATURES,
    TIME_EDGES,
    HazardModel,
    conditional_weekly,
    period_probabilities,
)

STAGES = ("Prospecting", "Qualification", "Proposal", "Negotiation")


def _timing_inputs(n_deals: int, rng: np.random.Generator) -> tuple[HazardModel, np.ndarray]:
    """A hazard model with fixed random coefficients and feature rows for `n_deals`."""
    spec = FeatureSpec(vocabularies={name: () for name in FEATURE_NAMES} | {"stage": STAGES})
    n_deal = len(DEAL_FEATURES) + len(STAGES) + 1
    n_time = len(TIME_EDGES) + len(STAGES) + 1
    model = HazardModel(
        spec=spec,
        mean=np.zeros(n_deal),
        scale=np.ones(n_deal),
        deal_coef=rng.normal(0, 0.3, (3, n_deal)),
        time_coef=rng.normal(0, 0.3, (3, n_time)),
        intercept=np.array([0.0, -3.0, -3.0]),
        rows=0,
        won_events=0,
        lost_events=0,
    )
    x = np.full((n_deals, len(spec.names)), np.nan)
    x[:, spec.names.index("stage")] = rng.integers(0, len(STAGES), n_deals)
    x[:, spec.names.index("age_days")] = rng.integers(0, 200, n_deals)
    x[:, spec.names.index("days_in_stage")] = rng.integers(0, 60, n_deals)
    x[:, spec.names.index("amount")] = rng.lognormal(9.5, 1.0, n_deals)
    return model, x


def _median_seconds(run: object, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--sims", type=int, default=10_000)
    parser.add_argument("--periods", type=int, default=13)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    deals = OpenDeals(
        win_probability=rng.beta(2.0, 5.0, args.deals),
        amount=rng.lognormal(9.5, 1.0, args.deals),
        close_period_probs=rng.dirichlet(np.full(args.periods + 1, 0.7), size=args.deals),
    )
    cells = args.deals * args.sims

    def draw_uniforms() -> None:
        generator = np.random.default_rng(1)
        chunk = 4_000_000
        for start in range(0, cells, chunk):
            generator.random(min(chunk, cells - start), dtype=np.float32)

    baseline = _median_seconds(draw_uniforms, args.repeats)
    engine = _median_seconds(lambda: simulate_open_deals(deals, args.sims, seed=2), args.repeats)
    print(
        f"deals={args.deals:,} sims={args.sims:,} periods={args.periods} (median of {args.repeats})"
    )
    print(f"  draw {cells:,} uniforms (baseline, 1 thread): {baseline:8.2f} s")
    print(f"  simulate_open_deals:                      {engine:8.2f} s")
    print(f"  ratio engine / baseline:                  {engine / baseline:8.2f}")
    print(f"  simulated deal-outcomes per second:       {cells / engine:,.0f}")

    model, x = _timing_inputs(args.deals, rng)
    ends = np.arange(1, args.periods + 1, dtype=np.int64) * 7

    def timing() -> None:
        period_probabilities(conditional_weekly(model, x), 0, ends)

    timing_s = _median_seconds(timing, args.repeats)
    print(f"  close timing (hazards 104 weeks ahead):   {timing_s:8.2f} s")
    print(f"  ratio timing / simulate_open_deals:       {timing_s / engine:8.2f}")


if __name__ == "__main__":
    main()
