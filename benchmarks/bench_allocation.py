"""Money allocation: exact largest-remainder split vs naive per-part rounding.

Run: python -m benchmarks.bench_allocation. Prints medians of several runs; writes nothing.
The baseline rounds each proportional share on its own (fast, but the parts do not sum to
the whole); it is measured in the same run, and the script counts how often it is off.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from revlake.finance.allocation import PerformanceObligation, allocate_transaction_price
from revlake.finance.money import Money, allocate, prorate_by_days

REPEATS = 5


def median_seconds(func: Callable[[], object], repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def naive_split(total: Decimal, weights: list[int]) -> list[Decimal]:
    weight_sum = sum(weights)
    return [
        (total * w / weight_sum).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for w in weights
    ]


def main() -> None:
    rng = random.Random(20261121)
    cases = [
        (Money.from_minor(rng.randint(1, 10**9), "USD"), [rng.randint(1, 10**6) for _ in range(n)])
        for n in [rng.randint(2, 12) for _ in range(2_000)]
    ]
    ours = median_seconds(lambda: [allocate(total, weights) for total, weights in cases])
    base = median_seconds(lambda: [naive_split(total.amount, weights) for total, weights in cases])
    off = sum(sum(naive_split(t.amount, w)) != t.amount for t, w in cases)
    print(f"allocate, {len(cases):,} splits of 2-12 parts")
    print(f"  largest remainder (exact): {ours * 1e6 / len(cases):8.1f} µs per split")
    print(f"  naive rounding (baseline): {base * 1e6 / len(cases):8.1f} µs per split")
    print(
        f"  ratio exact / naive: {ours / base:.1f}x; naive parts missed the total in "
        f"{off:,} of {len(cases):,} splits ({100 * off / len(cases):.1f}%)"
    )

    start = dt.date(2026, 1, 15)
    lines = [
        (Money.from_minor(rng.randint(100, 10**7), "EUR"), rng.randint(1, 400))
        for _ in range(2_000)
    ]
    per_line = median_seconds(
        lambda: [prorate_by_days(m, start, start + dt.timedelta(days=d)) for m, d in lines]
    )
    print(f"prorate_by_days by month: {per_line * 1e6 / len(lines):.1f} µs per invoice line")

    obligations = [
        PerformanceObligation(f"po{i}", Money(rng.randint(1, 10**5), "USD")) for i in range(5)
    ]
    price = Money(sum(o.ssp.amount for o in obligations) * 8 // 10, "USD")
    contracts = median_seconds(
        lambda: [allocate_transaction_price(price, obligations) for _ in range(2_000)]
    )
    print(f"ASC 606 allocation, 5 obligations: {contracts * 1e6 / 2_000:.1f} µs per contract")


if __name__ == "__main__":
    main()
