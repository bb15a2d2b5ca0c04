"""A pipeline simulated with KNOWN win and close-timing laws, for the forecast tests.

Deals are created at a constant Poisson rate per day. Each week after creation an open
deal is won with probability `h_won` and lost with probability `h_lost` (constant
competing hazards), so: P(won) = h_won / (h_won + h_lost) at any age, and given a win the
close week j (0-based) is geometric, P(j) = (1 − h)^j · h with h = h_won + h_lost; the
close day is uniform within that week. Amounts are log-normal and independent of timing.
One stage ("Open") is entered at creation. Deals not closed by `as_of` are open (no close
date), which is exactly what the models must treat as censored.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from revlake.ml.deals import DealHistory

START = date(2023, 1, 1)


def hazard_history(
    *,
    days: int = 540,
    per_day: float = 2.0,
    h_won: float = 0.06,
    h_lost: float = 0.05,
    seed: int = 0,
    extra_days: int = 0,
) -> tuple[DealHistory, date]:
    """(history as of START + days + extra_days, the cut-off START + days).

    Deals keep being created until the as-of date; `extra_days` > 0 lets a test cut the
    history back to the cut-off and compare a forecast with what happened after it.
    """
    rng = np.random.default_rng(seed)
    total_days = days + extra_days
    counts = rng.poisson(per_day, size=total_days)
    created_day = np.repeat(np.arange(1, total_days + 1), counts)
    n = created_day.size
    week = rng.geometric(h_won + h_lost, size=n) - 1
    close_day = created_day + 7 * week + rng.integers(1, 8, size=n)
    won = rng.random(n) < h_won / (h_won + h_lost)
    amount = np.round(rng.lognormal(9.0, 0.8, size=n), 2)
    as_of = START + timedelta(days=total_days)
    closed = close_day <= total_days
    ids = [f"D{i:06d}" for i in range(n)]
    created = [START + timedelta(days=int(d)) for d in created_day]
    return (
        DealHistory.from_columns(
            opportunity_id=ids,
            created=created,
            close=[
                START + timedelta(days=int(c)) if k else None
                for c, k in zip(close_day, closed, strict=True)
            ],
            is_closed=closed.tolist(),
            is_won=(won & closed).tolist(),
            amount=amount.tolist(),
            rep=[f"rep{i % 7}" for i in range(n)],
            account=[f"acct{i}" for i in range(n)],
            categoricals={"source": ["salesforce"] * n, "segment": ["SMB"] * n},
            stage_name=[
                ("Closed Won" if w else "Closed Lost") if k else "Open"
                for w, k in zip(won, closed, strict=True)
            ],
            events=[(i, c, "Open") for i, c in zip(ids, created, strict=True)],
            as_of=as_of,
        ),
        START + timedelta(days=days),
    )
