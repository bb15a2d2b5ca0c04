"""Win-model scoring: 100,000 open deals, and one deal's explanation.

Builds a synthetic pipeline in memory (vectorised; nothing is written), trains the win
model on its closed deals, then times (median of several runs):

- `score_history` on 100,000 open deals: features as of today, calibrated probability,
  TreeSHAP top-5 drivers with sentences, risk — everything `revlake score` computes
  before writing the tables; beside it, the baseline measured in the same run: LightGBM's
  bare `predict` on the same precomputed feature matrix;
- exact TreeSHAP of 10,000 deals grouped by decision pattern (revlake.ml.treeshap) beside
  LightGBM's own `pred_contrib` on the same rows;
- one deal's explanation (features as of today + TreeSHAP + sentences), beside the bare
  `predict` of one row.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np

from revlake.ml.deals import DealHistory, day_number, open_deal_indices
from revlake.ml.explain import explain_rows
from revlake.ml.features import compute_features, prepare
from revlake.ml.registry import RegisteredModel
from revlake.ml.scoring import score_history
from revlake.ml.training import train_win_model
from revlake.ml.treeshap import tree_contributions
from revlake.ml.win import LightGbmWinModel

STAGES = np.array(["Prospecting", "Qualification", "Needs Analysis", "Proposal", "Negotiation"])


def synthetic_pipeline(closed: int, open_: int, seed: int = 0) -> DealHistory:
    """`closed` deals over three years, then `open_` deals still open at the as-of date."""
    rng = np.random.default_rng(seed)
    n = closed + open_
    start = day_number(date(2022, 1, 1))
    as_of = start + 3 * 365
    created = np.concatenate(
        (
            start + np.sort(rng.integers(0, 3 * 365 - 120, closed)),
            as_of - rng.integers(0, 180, open_),
        )
    ).astype(np.int64)
    reps = rng.integers(0, 200, n)
    skill = rng.normal(0, 1, 200)
    seg = rng.integers(0, 3, n)
    amount = rng.lognormal(9.5 + 0.8 * seg, 0.6)
    z = 0.8 * skill[reps] + np.array([0.4, 0.0, -0.4])[seg] + rng.normal(0, 0.6, n)
    won = rng.random(n) < 1 / (1 + np.exp(-z))
    stages = np.where(won, 5, rng.integers(1, 6, n))
    dur = rng.gamma(2.0, np.where(won, 4.0, 7.0)[:, None], (n, 5)).astype(np.int64) + 1
    entered = created[:, None] + np.concatenate(
        (np.zeros((n, 1), np.int64), np.cumsum(dur, axis=1)[:, :-1]), axis=1
    )
    close = created + dur[np.arange(n), stages - 1] + entered[np.arange(n), stages - 1] - created
    is_open = np.arange(n) >= closed
    close = np.where(is_open, np.maximum(close, as_of + 1), np.minimum(close, as_of))
    visible = (np.arange(5)[None, :] < stages[:, None]) & (entered <= as_of)
    visible[:, 0] = True
    ev_deal, ev_col = np.nonzero(visible)
    stage_now = np.where(
        is_open, STAGES[np.maximum(visible.sum(axis=1) - 1, 0)], np.where(won, "Won", "Lost")
    )
    return DealHistory.build(
        opportunity_id=np.array([f"OPP{i:07d}" for i in range(n)], dtype=object),
        created=created,
        close=close.astype(np.int64),
        is_closed=~is_open,
        is_won=won & ~is_open,
        amount=amount,
        rep=np.array([f"rep{r}" for r in reps], dtype=object),
        account=np.array([f"acct{i}" for i in range(n)], dtype=object),
        categoricals={
            "source": np.full(n, "salesforce", dtype=object),
            "product": np.full(n, None, dtype=object),
            "plan": np.full(n, None, dtype=object),
            "segment": np.array(["SMB", "Mid-Market", "Enterprise"], dtype=object)[seg],
            "channel": np.array(["Web", "Ads", "Partner"], dtype=object)[reps % 3],
        },
        stage_name=stage_now.astype(object),
        ev_deal=ev_deal.astype(np.int64),
        ev_day=entered[ev_deal, ev_col].astype(np.int64),
        ev_stage=STAGES[ev_col].astype(object),
        as_of=as_of,
    )


def _median_seconds(
    run: Callable[[], object], repeats: int, clock: Callable[[], float] = time.perf_counter
) -> float:
    times = []
    for _ in range(repeats):
        started = clock()
        run()
        times.append(clock() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--open-deals", type=int, default=100_000)
    parser.add_argument("--closed-deals", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--single-repeats", type=int, default=50)
    args = parser.parse_args(argv)

    history = synthetic_pipeline(args.closed_deals, args.open_deals)
    started = time.perf_counter()
    result = train_win_model(history)
    train_s = time.perf_counter() - started
    model = result.model
    if not isinstance(model, LightGbmWinModel):
        raise SystemExit(f"expected a LightGBM model, got {model.kind}: {result.message}")
    registered = RegisteredModel(
        model=model, reference=result.reference, manifest={"version": "bench"}, path=Path(".")
    )
    deals = open_deal_indices(history)
    today = np.full(deals.size, history.as_of, dtype=np.int64)
    ctx = prepare(history, model.spec)
    x = compute_features(ctx, deals, today)

    full = _median_seconds(lambda: score_history(registered, history), args.repeats)
    full_cpu = _median_seconds(lambda: score_history(registered, history), 1, time.process_time)
    scores = _median_seconds(
        lambda: score_history(registered, history, explain=False), args.repeats
    )
    bare = _median_seconds(lambda: model.booster.predict(x, num_threads=1), args.repeats)
    features = _median_seconds(lambda: compute_features(ctx, deals, today), args.repeats)

    subset = x[:10_000]
    ungrouped = _median_seconds(
        lambda: model.booster.predict(subset, pred_contrib=True, num_threads=1), 1
    )
    grouped = _median_seconds(lambda: tree_contributions(model.booster, subset), args.repeats)

    one = deals[:1]
    one_day = today[:1]

    def explain_one() -> object:
        row = compute_features(ctx, one, one_day)
        return explain_rows(model, row, result.reference, top=5)

    single = _median_seconds(explain_one, args.single_repeats)
    single_bare = _median_seconds(
        lambda: model.booster.predict(x[:1], num_threads=1), args.single_repeats
    )

    print(
        f"training: {args.closed_deals:,} closed deals → {result.split['snapshots']} snapshots, "
        f"{train_s:.1f} s, best iteration {result.evaluation.get('best_iteration')}"
    )
    print(f"open deals scored: {deals.size:,} (median of {args.repeats})")
    print(f"  scores + risk (features, calibrated p, risk; no drivers): {scores:7.2f} s")
    print(f"  + top-5 TreeSHAP drivers with sentences (all of `score`): {full:7.2f} s")
    print(f"    same, CPU time of this process (one run):               {full_cpu:7.2f} s")
    print(f"    of which features as of today:                          {features:7.2f} s")
    print(f"  baseline: bare booster.predict on precomputed features:   {bare:7.2f} s")
    print(f"  ratio scores + risk / bare predict:                       {scores / bare:7.1f}")
    print(f"TreeSHAP of {subset.shape[0]:,} deals (exact, identical results)")
    print(f"  grouped by decision pattern (treeshap.py):     {grouped:7.2f} s")
    print(f"  baseline: LightGBM pred_contrib, one run:      {ungrouped:7.2f} s")
    print(f"  ratio baseline / grouped:                      {ungrouped / grouped:7.1f}")
    print(f"one deal (median of {args.single_repeats})")
    print(f"  explanation (features + TreeSHAP + sentences):  {1000 * single:7.2f} ms")
    print(f"  baseline: bare booster.predict of one row:      {1000 * single_bare:7.2f} ms")
    print(f"  ratio:                                          {single / single_bare:7.1f}")


if __name__ == "__main__":
    main()
