"""Monte Carlo forecast engine: 10,000 simulations × 100,000 open deals.

Prints the median wall time of several runs of `simulate_open_deals`, beside the time
NumPy takes just to draw the same number of uniform random numbers (the floor any exact
simulation pays), and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from revlake.ml.montecarlo import OpenDeals, simulate_open_deals


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


if __name__ == "__main__":
    main()
