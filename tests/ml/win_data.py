"""A small synthetic pipeline for the win-model tests (numpy only, a fraction of a second).

Deals are created over three years; each has a segment, a channel and a rep with a
latent skill; P(win) = σ(z) with z from those plus noise. Won deals pass five stages
quickly; lost ones die after one to five stages and linger (the age-in-stage signal).
`late_shift` lowers the win odds (logit) of every deal created after the first 60 % of
the period — the validation and test folds — so a model trained on the early deals is
miscalibrated on later ones unless calibration (fitted later in time) corrects it.
`settle_days` moves the as-of date that many days past the last creation (more closed).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np

from revlake.ml.deals import NO_DATE, DealHistory, day_date

STAGES = ("Prospecting", "Qualification", "Needs Analysis", "Proposal", "Negotiation")
SEGMENTS = ("SMB", "Mid-Market", "Enterprise")
CHANNELS = ("Web", "Partner", "Ads", "Event")


def synthetic_history(
    n: int = 2500,
    seed: int = 3,
    late_shift: float = 0.0,
    settle_days: int = 1,
    start: date = date(2022, 1, 1),
) -> DealHistory:
    """A deal history of `n` deals; the as-of date is `settle_days` after the last creation."""
    rng = np.random.default_rng(seed)
    days = np.sort(rng.integers(0, 3 * 365, size=n))
    reps = rng.integers(0, 12, size=n)
    skill = rng.normal(0, 1, size=12)
    seg = rng.integers(0, 3, size=n)
    chan = rng.integers(0, 4, size=n)
    amount = np.round(rng.lognormal(9.5 + seg * 0.8, 0.6), 2)
    z = (
        -0.2
        + 0.8 * skill[reps]
        + np.array([0.4, 0.0, -0.4])[seg]
        + np.array([0.2, 0.9, -0.5, 0.3])[chan]
        - 0.3 * (np.log(amount) - 10.3)
        - late_shift * (days > 0.6 * 3 * 365)
        + rng.normal(0, 0.5, size=n)
    )
    won = rng.random(n) < 1 / (1 + np.exp(-z))
    as_of = start + timedelta(days=int(days.max()) + settle_days)
    created: list[date] = []
    close: list[date | None] = []
    is_closed: list[bool] = []
    stage_now: list[str] = []
    events: list[tuple[str, date | None, str]] = []
    ids = [f"OPP{i:05d}" for i in range(n)]
    for i in range(n):
        c = start + timedelta(days=int(days[i]))
        created.append(c)
        n_stages = 5 if won[i] else int(rng.integers(1, 6))
        slow = 1.0 if won[i] else 1.8
        day = c
        for s in range(n_stages):
            events.append((ids[i], day, STAGES[s]))
            day = day + timedelta(days=max(1, int(rng.gamma(2.0, 4.0 * slow))))
        closed = day < as_of
        is_closed.append(closed)
        close.append(day)  # for an open deal: its expected close date (not an outcome)
        stage_now.append(("Closed Won" if won[i] else "Closed Lost") if closed else STAGES[0])
        if not closed:
            entered = [e for e in events if e[0] == ids[i] and e[1] is not None and e[1] <= as_of]
            stage_now[-1] = entered[-1][2] if entered else STAGES[0]
            events[:] = [
                e for e in events if e[0] != ids[i] or (e[1] is not None and e[1] <= as_of)
            ]
    return DealHistory.from_columns(
        opportunity_id=ids,
        created=created,
        close=close,
        is_closed=is_closed,
        is_won=[bool(w) and c for w, c in zip(won, is_closed, strict=True)],
        amount=amount.tolist(),
        rep=[f"rep{r}" for r in reps],
        account=[f"acct{i % (n // 2)}" for i in range(n)],
        categoricals={
            "source": ["salesforce"] * n,
            "segment": [SEGMENTS[s] for s in seg],
            "channel": [CHANNELS[c] for c in chan],
            "plan": [None] * n,
            "product": [None] * n,
        },
        stage_name=stage_now,
        events=events,
        as_of=as_of,
    )


def write_gold_build(history: DealHistory, path: Path) -> Path:
    """A DuckDB file with the gold tables the win model reads (the gold contract's columns)."""
    import duckdb
    import pyarrow as pa

    def d(days: np.ndarray) -> list[date | None]:
        return [None if day == NO_DATE else day_date(int(day)) for day in days]

    cats = history.categoricals
    pipeline = pa.table(
        {
            "opportunity_id": history.opportunity_id.tolist(),
            "source_system": cats["source"].tolist(),
            "created_date": pa.array(d(history.created), pa.date32()),
            "close_date": pa.array(d(history.close), pa.date32()),
            "is_closed": history.is_closed,
            "is_won": history.is_won,
            "amount_rc": history.amount,
            "rep_key": history.rep.tolist(),
            "customer_key": history.account.tolist(),
            "product_key": pa.array(cats["product"].tolist(), pa.string()),
            "plan_name": pa.array(cats["plan"].tolist(), pa.string()),
            "channel_key": cats["channel"].tolist(),
            "stage_name": history.stage_name.tolist(),
            "as_of_date": pa.array([day_date(history.as_of)] * history.n, pa.date32()),
        }
    )
    segments = dict(zip(history.account.tolist(), cats["segment"].tolist(), strict=True))
    customers = pa.table({"customer_key": list(segments), "segment": list(segments.values())})
    stages = pa.table(
        {
            "opportunity_id": history.opportunity_id[history.ev_deal].tolist(),
            "entered_date": pa.array(d(history.ev_day), pa.date32()),
            "stage_name": history.ev_stage.tolist(),
            "stage_category": ["open"] * int(history.ev_deal.size),
        }
    )
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema gold")
        con.register("_pipeline", pipeline)
        con.register("_customers", customers)
        con.register("_stages", stages)
        con.execute(
            "create table gold.fct_pipeline as select * exclude (amount_rc), "
            "cast(amount_rc as decimal(18, 2)) as amount_rc, "
            "cast(amount_rc as decimal(18, 2)) as pipeline_amount_rc, "
            "cast(null as decimal(18, 2)) as list_price from _pipeline"
        )
        con.execute("create table gold.dim_customer as select * from _customers")
        con.execute("create table gold.fct_opportunity_stage_history as select * from _stages")
    finally:
        con.close()
    return path
