"""The close-timing model with the deal's win odds as a covariate, on a pipeline simulated
with KNOWN laws where the deals likely to be won also close sooner (as in real pipelines
and the synthetic company): two kinds of deal told apart only by their segment, which the
win model sees and the hazard model's own covariates do not.

- "fast" (segment A): won 12 %/week, lost 3 %/week → P(won) 0.80, close week ~ Geometric(0.15)
- "slow" (segment B): won 2 %/week, lost 6 %/week → P(won) 0.25, close week ~ Geometric(0.08)
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest

from revlake.ml.backtest import history_as_of
from revlake.ml.deals import DealHistory, day_number
from revlake.ml.features import compute_features, prepare
from revlake.ml.timing import (
    HazardModel,
    close_date_coverage,
    conditional_weekly,
    fit_hazard,
    quantile_close_days,
    win_odds,
)
from revlake.ml.training import train_win_model

START = date(2023, 1, 1)
KINDS = {"A": (0.12, 0.03), "B": (0.02, 0.06)}
DAYS, EXTRA = 720, 240
PER_DAY = 8.0


def two_kind_history(seed: int = 3) -> DealHistory:
    rng = np.random.default_rng(seed)
    total = DAYS + EXTRA
    created_day = np.repeat(np.arange(1, total + 1), rng.poisson(PER_DAY, size=total))
    n = created_day.size
    kind = np.where(rng.random(n) < 0.5, "A", "B")
    h_won = np.where(kind == "A", KINDS["A"][0], KINDS["B"][0])
    h_lost = np.where(kind == "A", KINDS["A"][1], KINDS["B"][1])
    week = rng.geometric(h_won + h_lost) - 1
    close_day = created_day + 7 * week + rng.integers(1, 8, size=n)
    won = rng.random(n) < h_won / (h_won + h_lost)
    closed = close_day <= total
    ids = [f"D{i:06d}" for i in range(n)]
    created = [START + timedelta(days=int(d)) for d in created_day]
    return DealHistory.from_columns(
        opportunity_id=ids,
        created=created,
        close=[
            START + timedelta(days=int(c)) if k else None
            for c, k in zip(close_day, closed, strict=True)
        ],
        is_closed=closed.tolist(),
        is_won=(won & closed).tolist(),
        amount=np.round(rng.lognormal(9.0, 0.5, size=n), 2).tolist(),
        rep=[f"rep{i % 9}" for i in range(n)],
        account=[f"acct{i}" for i in range(n)],
        categoricals={"source": ["salesforce"] * n, "segment": kind.tolist()},
        stage_name=[
            ("Closed Won" if w else "Closed Lost") if k else "Open"
            for w, k in zip(won, closed, strict=True)
        ],
        events=[(i, c, "Open") for i, c in zip(ids, created, strict=True)],
        as_of=START + timedelta(days=total),
    )


@pytest.fixture(scope="module")
def cut() -> tuple[DealHistory, DealHistory]:
    """(history cut at day DAYS, the full history with EXTRA days after it)."""
    full = two_kind_history()
    return history_as_of(full, day_number(START + timedelta(days=DAYS))), full


def by_kind(then: DealHistory, full: DealHistory, model: HazardModel) -> dict[str, Any]:
    """Per kind, over the deals open at the cut-off and won later: share closed by P50 and
    mean P10–P90 width in days."""
    index = {o: i for i, o in enumerate(full.opportunity_id.tolist())}
    open_then = np.flatnonzero(~then.is_closed)
    later = np.array([index[o] for o in then.opportunity_id[open_then].tolist()])
    won = full.is_won[later]
    deals, close = open_then[won], full.close[later[won]]
    x = compute_features(prepare(then, model.spec), deals, np.full(deals.size, then.as_of))
    q = quantile_close_days(conditional_weekly(model, x), then.as_of)
    kind = then.categoricals["segment"][deals]
    return {
        k: (
            float((close <= q[:, 1])[kind == k].mean()),
            float((q[:, 2] - q[:, 0])[kind == k].mean()),
        )
        for k in KINDS
    }


def test_win_odds_time_each_kind_of_deal(cut: tuple[DealHistory, DealHistory]) -> None:
    then, full = cut
    win_model = train_win_model(then).model
    pooled = fit_hazard(then, win_model.spec)
    with_odds = fit_hazard(then, win_model=win_model)
    before, after = by_kind(then, full, pooled), by_kind(then, full, with_odds)
    # without the odds every deal gets the pooled timing: fast deals close before their
    # P50 far more than half the time, slow deals far less
    assert before["A"][0] > 0.55 and before["B"][0] < 0.4, before
    # with them each kind's P50 is about right and the fast kind's range is narrower
    assert 0.4 <= after["A"][0] <= 0.6 and 0.4 <= after["B"][0] <= 0.6, after
    assert after["A"][1] < before["A"][1] < after["B"][1]
    total_before = close_date_coverage(then, full, pooled)
    total_after = close_date_coverage(then, full, with_odds)
    assert total_after.won == total_before.won > 150
    assert total_after.inside + total_after.before_p10 + total_after.after_p90 == total_after.won
    assert 0.7 <= total_after.inside / total_after.won <= 0.9
    assert total_after.mean_width_days < total_before.mean_width_days


def test_likely_winners_get_earlier_close_dates(cut: tuple[DealHistory, DealHistory]) -> None:
    then, _ = cut
    win_model = train_win_model(then).model
    model = fit_hazard(then, win_model=win_model)
    assert model.win_model is win_model and model.deal_coef.shape[1] == model.mean.size
    open_deals = np.flatnonzero(~then.is_closed)
    x = compute_features(
        prepare(then, model.spec), open_deals, np.full(open_deals.size, then.as_of)
    )
    odds = win_odds(win_model, x)
    kind = then.categoricals["segment"][open_deals]
    assert odds[kind == "A"].mean() > odds[kind == "B"].mean() + 1.0  # the win model sees it
    weekly = conditional_weekly(model, x)
    median_week = (np.cumsum(weekly[:, :-1], axis=1) >= 0.5).argmax(axis=1)
    fast, slow = np.median(median_week[kind == "A"]), np.median(median_week[kind == "B"])
    # true medians given a win: Geometric(0.15) → week 4, Geometric(0.08) → week 8
    assert fast < slow
    assert 2 <= fast <= 6 and 5 <= slow <= 11, (fast, slow)
    assert np.allclose(weekly.sum(axis=1), 1.0)
