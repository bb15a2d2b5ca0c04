"""Revenue forecast: Monte Carlo over open deals (win × timing) plus pipeline not yet created.

Open deals: the win model gives P(won); the close-timing hazard model (revlake.ml.timing)
gives P(close in week j | won) for each of the next `MAX_WEEKS` weeks plus "later"; the
Monte Carlo engine (revlake.ml.montecarlo) draws both exactly, once per history and model,
at weekly resolution (`forecast_basis`: the won amount of every simulated world per week).
A forecast for any horizon and period then folds those weeks into its periods (week j
counts in the period holding its middle day, as `timing.period_probabilities` does), so
every horizon reads the same simulated worlds: its cumulative bands agree with a longer
horizon's over the common weeks, and a new horizon costs no new open-deal simulation.
Pipeline not yet created: deals are created at the trailing year's trend, and won (amount
and creation-to-close lag drawn together) as the latest cohort whose wins within the
horizon's length are all known (see `new_deal_plan`); it is simulated per horizon.

Beside it, the stage-weighted baseline: amount × the historical win rate of the deal's
stage, put in the period of the deal's expected close date (deals without one, or overdue,
count in the first period; those expected after the horizon are left out).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from revlake.errors import InputError
from revlake.ml.deals import NO_DATE, DealHistory
from revlake.ml.features import FeatureSpec, compute_features, month_ends, prepare
from revlake.ml.montecarlo import (
    ForecastBands,
    OpenDeals,
    simulate_open_deals,
    summarise,
)
from revlake.ml.open_deals import open_deal_features
from revlake.ml.timing import (
    MAX_WEEKS,
    WEEK,
    HazardModel,
    conditional_weekly,
    fit_hazard,
    quantile_close_days,
)
from revlake.ml.training import labelled_deals
from revlake.ml.win import StageRateModel, WinModel

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
Period = Literal["week", "month"]
MIN_HORIZON, MAX_HORIZON = 4, 26
YEAR = 365
TREND_BINS = 13  # 4-week bins of the trailing year for the creation trend
COHORT_DAYS = 182
MIN_COHORT = 30


def period_ends(as_of: int, horizon: int, period: Period) -> IntArray:
    """Last day (day number) of each forecast period after `as_of`."""
    if not MIN_HORIZON <= horizon <= MAX_HORIZON:
        raise InputError(
            f"horizon must be between {MIN_HORIZON} and {MAX_HORIZON} periods (got {horizon})"
        )
    if period == "week":
        return (as_of + 7 * np.arange(1, horizon + 1)).astype(np.int64)
    if period == "month":
        ends = month_ends(as_of + 1, as_of + 31 * (horizon + 1))
        return ends[:horizon].astype(np.int64)
    raise InputError(f"period must be 'week' or 'month' (got {period!r})")


@dataclass(frozen=True)
class PipelineHistory:
    """The columns of a deal history (every deal) that the new-pipeline plan and the
    baseline read: kept with a `ForecastBasis` so a forecast needs no `DealHistory`."""

    as_of: int
    created: IntArray
    close: IntArray
    is_won: BoolArray
    amount: FloatArray

    @classmethod
    def of(cls, history: DealHistory | PipelineHistory) -> PipelineHistory:
        return cls(
            as_of=int(history.as_of),
            created=history.created,
            close=history.close,
            is_won=history.is_won,
            amount=history.amount,
        )


def stage_rate_model(history: DealHistory, spec: FeatureSpec) -> StageRateModel:
    """Historical stage win rates from every closed deal's snapshots (the baseline's
    "stage probability")."""
    from revlake.ml.features import training_snapshots

    snaps = training_snapshots(history, labelled_deals(history))
    if snaps.label.size == 0:
        raise InputError("no closed deals: cannot compute historical stage win rates")
    x = compute_features(prepare(history, spec), snaps.deal_idx, snaps.day)
    return StageRateModel.fit(x, snaps.label, spec)


@dataclass(frozen=True)
class NewDealPlan:
    """What the pipeline not yet created is simulated from (see `new_deal_plan`)."""

    created_per_day: FloatArray  # expected new opportunities per day, per forecast period
    wins_per_deal: float  # P(won within the horizon's length of creation) of a created deal
    won_lag_days: IntArray  # creation → close lag of each historical quick win …
    won_amount: FloatArray  # … and its amount (drawn as pairs: small deals close faster)
    cohort: int  # deals in the conversion cohort


def _creation_trend(history: DealHistory | PipelineHistory, ends: IntArray) -> FloatArray:
    """Opportunities created per day in each period: a log-linear trend over the trailing
    year's 4-week counts, its yearly growth clipped to ×0.5…×2 (extrapolation is risky)."""
    as_of = history.as_of
    created = history.created[history.created != NO_DATE]
    edges = as_of - 28 * np.arange(TREND_BINS, -1, -1)
    counts = np.histogram(created, bins=edges + 0.5)[0].astype(np.float64)
    mid = (edges[:-1] + edges[1:]) / 2.0 - as_of
    level = counts[-3:].mean() / 28.0 if counts.sum() else 0.0
    if (counts > 0).sum() < 4:
        return np.full(ends.size, level)
    slope, intercept = np.polyfit(mid[counts > 0], np.log(counts[counts > 0] / 28.0), 1)
    slope = float(np.clip(slope, np.log(0.5) / YEAR, np.log(2.0) / YEAR))
    starts = np.concatenate(([as_of], ends[:-1]))
    centre = (starts + ends) / 2.0 - as_of
    rate: FloatArray = np.exp(intercept + slope * centre)
    return rate


def new_deal_plan(history: DealHistory | PipelineHistory, ends: IntArray) -> NewDealPlan:
    """Creation trend, and the conversion of the latest cohort whose quick wins are all
    known: deals created in the half year before `as_of − horizon length`; only wins
    within the horizon's length of creation can close inside the horizon."""
    as_of = history.as_of
    span = int(ends[-1] - as_of)
    created, close = history.created, history.close
    in_cohort = (created != NO_DATE) & (created > as_of - span - COHORT_DAYS)
    in_cohort &= created <= as_of - span
    if in_cohort.sum() < MIN_COHORT:  # short history: every deal created before the horizon
        in_cohort = (created != NO_DATE) & (created <= as_of - span)
    if in_cohort.sum() == 0:
        in_cohort = (created != NO_DATE) & (created <= as_of)
    lag = close - created
    quick = in_cohort & history.is_won & (close != NO_DATE) & (close <= as_of) & (lag <= span)
    quick &= np.isfinite(history.amount)
    cohort = int(in_cohort.sum())
    return NewDealPlan(
        created_per_day=_creation_trend(history, ends),
        wins_per_deal=float(quick.sum()) / cohort if cohort else 0.0,
        won_lag_days=np.maximum(lag[quick], 0).astype(np.int64),
        won_amount=history.amount[quick].astype(np.float64),
        cohort=cohort,
    )


def landing_rates(plan: NewDealPlan, as_of: int, ends: IntArray) -> FloatArray:
    """Expected wins per simulation (at conversion scale 1) that are created during the
    horizon with the cohort's quick win `j` as their (lag, amount) and close in period
    `p`: a (quick wins × periods) matrix.

    Wins created in period c number `rate_c × days_c × wins_per_deal` on average, each on
    a creation day uniform over the period's days and with a quick win drawn uniformly;
    the one created on day d closes on d + lag_j, in the period holding that day (or after
    the horizon: not counted)."""
    starts = np.concatenate(([as_of], ends[:-1]))
    days = ends - starts
    mean = plan.created_per_day * days * plan.wins_per_deal  # (c,)
    k = plan.won_lag_days.size
    summed = np.empty((k, ends.size))
    # (j, c, p) arrays a block of quick wins at a time: all at once they took hundreds of
    # MB at 100k customers for 26 weeks (each element is summed over c alone: the same
    # result whatever the block)
    for lo in range(0, k, LANDING_BLOCK):
        lag = plan.won_lag_days[lo : lo + LANDING_BLOCK, None, None]  # (j, 1, 1)
        # creation days start_c + 1 … end_c land on start_c + 1 + lag … end_c + lag; the
        # days of that run inside period p (days start_p + 1 … end_p) over its length
        first = np.maximum(starts[None, :, None] + 1 + lag, starts[None, None, :] + 1)
        last = np.minimum(ends[None, :, None] + lag, ends[None, None, :])
        share = np.maximum(last - first + 1, 0) / days[None, :, None]  # (j, c, p)
        summed[lo : lo + LANDING_BLOCK] = np.einsum("c,jcp->jp", mean, share)
    rates: FloatArray = summed / k
    return rates


LANDING_BLOCK = 2048
"""Quick wins whose landing shares are computed at once (`landing_rates`)."""


def alias_rows(probabilities: FloatArray) -> tuple[FloatArray, IntArray]:
    """Walker alias tables (keep, alias) of each row of a (rows × k) probability matrix,
    by Vose's method one row at a time: O(k) per row, for a few rows over many
    categories (`montecarlo.build_alias_tables` is vectorised across many rows of few
    categories, O(k²) per row)."""
    n_rows, k = probabilities.shape
    keep = np.ones((n_rows, k))
    alias = np.tile(np.arange(k, dtype=np.int64), (n_rows, 1))
    for row in range(n_rows):
        scaled = (probabilities[row] * (k / probabilities[row].sum())).tolist()
        small = [j for j, v in enumerate(scaled) if v < 1.0]
        large = [j for j, v in enumerate(scaled) if v >= 1.0]
        while small and large:
            s, g = small.pop(), large[-1]
            keep[row, s] = scaled[s]
            alias[row, s] = g
            scaled[g] -= 1.0 - scaled[s]
            if scaled[g] < 1.0:
                small.append(large.pop())
        # what is left keeps itself (probability 1; rounding leaves them at ~1)
    return keep, alias


def simulate_new_deals(
    plan: NewDealPlan, as_of: int, ends: IntArray, n_sims: int, *, seed: int = 1
) -> FloatArray:
    """Won amount per simulation and period from deals created during the horizon.

    Wins among the deals created in period c form a Poisson count (a thinned Poisson
    process) with mean `rate_c × days_c × wins_per_deal`; each win gets a creation day
    uniform within its period and a (lag, amount) pair drawn from the cohort's quick wins,
    and lands in the period of creation day + lag (after the horizon: dropped). Unlike
    `montecarlo.simulate_new_pipeline`, amount and lag are drawn together, because in
    the data small deals close faster: drawn apart, the wins landing inside a quarter are
    overvalued (synthetic company: 5.1 k vs 14.7 k per win, ×2.9).

    Drawn exactly, without drawing each creation: by Poisson splitting, the wins closing
    in period p are Poisson with the sum over creation periods and quick wins of the
    `landing_rates`, independently per period, and each of them is quick win j with
    probability proportional to its rate (an alias table per period). Wins closing after
    the horizon, most of them for a long horizon, are never drawn.
    """
    n = ends.size
    if plan.won_amount.size == 0 or plan.wins_per_deal <= 0:
        return np.zeros((n_sims, n))
    rng = np.random.default_rng(seed)
    # the conversion rate is itself an estimate from `k` quick wins: each simulation scales
    # it by a Gamma(k, 1/k) draw (the rate's posterior spread), so the band carries it too
    k = plan.won_amount.size
    scale = rng.gamma(float(k), 1.0 / k, size=(n_sims, 1))
    rates = landing_rates(plan, as_of, ends)  # (k, n)
    per_period = rates.sum(axis=0)
    counts = rng.poisson(scale * per_period, size=(n_sims, n))
    shares = np.where(per_period > 0, rates / np.where(per_period > 0, per_period, 1.0), 1.0 / k)
    keep, alias = alias_rows(shares.T)
    # alias draw of v ∈ [0, k): column ⌊v⌋ when v < ⌊v⌋ + keep, else its alias
    threshold = (np.arange(k) + keep).astype(np.float32)
    out = np.zeros((n_sims, n))
    for p in range(n):
        # the wins are in simulation order: one sum per simulation that has any
        some = np.flatnonzero(counts[:, p])
        for block in _win_blocks(counts[some, p]):
            wins = counts[some[block], p]
            scaled = rng.random(int(wins.sum()), dtype=np.float32)
            scaled *= np.float32(k)
            column = np.minimum(scaled.astype(np.int32), k - 1)
            pick = np.where(scaled < threshold[p].take(column), column, alias[p].take(column))
            starts = np.concatenate(([0], np.cumsum(wins)[:-1]))
            out[some[block], p] = np.add.reduceat(plan.won_amount.take(pick), starts)
    return out


NEW_DEAL_BLOCK_WINS = 1 << 20
"""Wins of the not-yet-created pipeline drawn at once (about 20 bytes each while drawn).
A period's wins over all simulations are tens of millions for a company of 100k
customers (hundreds of millions at 1M): drawn at once they took gigabytes."""


def _win_blocks(wins: IntArray) -> list[slice]:
    """Consecutive runs of simulations (positions in `wins`, each simulation's number of
    wins) with at most `NEW_DEAL_BLOCK_WINS` wins in all (a simulation with more is a run
    of its own). Drawn run after run from one generator, the uniforms are the same stream
    as drawn at once, and each simulation's sum covers the same wins in the same order:
    the result does not depend on the block size."""
    ends = np.cumsum(wins)
    blocks: list[slice] = []
    lo = 0
    while lo < wins.size:
        base = int(ends[lo] - wins[lo])
        hi = int(np.searchsorted(ends, base + NEW_DEAL_BLOCK_WINS, side="right"))
        hi = max(hi, lo + 1)
        blocks.append(slice(lo, hi))
        lo = hi
    return blocks


def stage_weighted_baseline(
    history: DealHistory | PipelineHistory, deals: IntArray, p_stage: FloatArray, ends: IntArray
) -> FloatArray:
    """amount × stage win rate per period, by expected close date (see the module doc)."""
    expected = history.close[deals]
    period = np.searchsorted(ends, expected, side="left")
    period = np.where((expected == NO_DATE) | (expected <= history.as_of), 0, period)
    value = np.nan_to_num(history.amount[deals]) * p_stage
    inside = period < ends.size
    return np.bincount(period[inside], weights=value[inside], minlength=ends.size).astype(
        np.float64
    )


@dataclass(frozen=True)
class DealTiming:
    """Per open deal: win probability and close-date quantiles given a win."""

    deal_idx: IntArray
    win_probability: FloatArray
    stage_probability: FloatArray
    close_quantiles: IntArray  # (deals, 3): P10/P50/P90 close day given a win; NO_DATE: later


@dataclass(frozen=True)
class Forecast:
    """Forecast bands, the baseline beside them, and what they were made of."""

    as_of: int
    period: Period
    period_ends: IntArray
    bands: ForecastBands  # total (open + new pipeline)
    open_bands: ForecastBands
    new_mean_per_period: FloatArray
    baseline_per_period: FloatArray
    deals: DealTiming
    plan: NewDealPlan
    n_sims: int


@dataclass(frozen=True)
class ForecastBasis:
    """What every forecast of one history with one win model shares, whatever its horizon
    and period: the open deals' timing and the simulated worlds of their wins by week.

    `forecast_basis` makes it (the model fits and the open-deal Monte Carlo: seconds);
    `forecast_from_basis` turns it into the forecast of any horizon and period (the
    pipeline not yet created and the quantiles: tens of ms). `basis_bytes` and
    `basis_from_bytes` store it with a published build.
    """

    as_of: int
    deals: DealTiming
    amount: FloatArray  # per open deal, in the reporting currency (unknown: 0)
    weekly_won: FloatArray  # (n_sims, MAX_WEEKS): won amount per simulation and week
    pipeline: PipelineHistory
    n_sims: int
    seed: int


def forecast_basis(
    history: DealHistory,
    win_model: WinModel,
    *,
    n_sims: int = 10_000,
    seed: int = 0,
    hazard: HazardModel | None = None,
    stage_model: StageRateModel | None = None,
) -> ForecastBasis:
    """Fit (unless given) the timing and stage-rate models, score the open deals and
    simulate their wins week by week (see `ForecastBasis`)."""
    spec = win_model.spec
    hazard = hazard or fit_hazard(history, spec, win_model=win_model)
    stage_model = stage_model or stage_rate_model(history, spec)
    features = open_deal_features(history, spec)  # every open deal, the age imputed
    deals, x = features.deals, features.x
    p_win = win_model.predict(features.scored) if deals.size else np.zeros(0)
    p_stage = stage_model.predict(x) if deals.size else np.zeros(0)
    weekly = conditional_weekly(hazard, x) if deals.size else np.zeros((0, MAX_WEEKS + 1))
    amount = np.nan_to_num(history.amount[deals]).astype(np.float64)
    open_deals = OpenDeals(
        win_probability=np.clip(p_win, 0.0, 1.0),
        amount=amount,
        close_period_probs=weekly / weekly.sum(axis=1, keepdims=True) if deals.size else weekly,
    )
    quantiles = (
        quantile_close_days(weekly, history.as_of)
        if deals.size
        else np.zeros((0, 3), dtype=np.int64)
    )
    return ForecastBasis(
        as_of=int(history.as_of),
        deals=DealTiming(
            deal_idx=deals,
            win_probability=p_win,
            stage_probability=p_stage,
            close_quantiles=quantiles,
        ),
        amount=amount,
        weekly_won=simulate_open_deals(open_deals, n_sims, seed=seed),
        pipeline=PipelineHistory.of(history),
        n_sims=n_sims,
        seed=seed,
    )


def fold_weeks(weekly: FloatArray, as_of: int, ends: IntArray) -> FloatArray:
    """Per-week amounts (columns: the weeks after `as_of`) summed into periods: week j
    counts in the period holding its middle day (as_of + 7j + 4); later weeks are left out."""
    mid = as_of + WEEK * np.arange(weekly.shape[1]) + 4
    period = np.searchsorted(ends, mid, side="left")
    out = np.zeros((weekly.shape[0], ends.size))
    for p in range(ends.size):
        weeks = np.flatnonzero(period == p)
        if weeks.size:
            out[:, p] = weekly[:, weeks[0] : weeks[-1] + 1].sum(axis=1)
    return out


def forecast_from_basis(basis: ForecastBasis, *, horizon: int, period: Period) -> Forecast:
    """The forecast of `horizon` periods from a basis: its open-deal worlds folded into
    the periods, plus the pipeline not yet created (seed: the basis's + 1)."""
    ends = period_ends(basis.as_of, horizon, period)
    open_totals = fold_weeks(basis.weekly_won, basis.as_of, ends)
    plan = new_deal_plan(basis.pipeline, ends)
    new_totals = simulate_new_deals(plan, basis.as_of, ends, basis.n_sims, seed=basis.seed + 1)
    deals = basis.deals
    return Forecast(
        as_of=basis.as_of,
        period=period,
        period_ends=ends,
        bands=summarise(open_totals + new_totals),
        open_bands=summarise(open_totals),
        new_mean_per_period=new_totals.mean(axis=0),
        baseline_per_period=stage_weighted_baseline(
            basis.pipeline, deals.deal_idx, deals.stage_probability, ends
        ),
        deals=deals,
        plan=plan,
        n_sims=basis.n_sims,
    )


def forecast_history(
    history: DealHistory,
    win_model: WinModel,
    *,
    horizon: int = 13,
    period: Period = "week",
    n_sims: int = 10_000,
    seed: int = 0,
    hazard: HazardModel | None = None,
    stage_model: StageRateModel | None = None,
) -> Forecast:
    """Forecast the revenue closed in each period after the history's as-of date."""
    period_ends(history.as_of, horizon, period)  # a bad horizon or period fails first
    basis = forecast_basis(
        history, win_model, n_sims=n_sims, seed=seed, hazard=hazard, stage_model=stage_model
    )
    return forecast_from_basis(basis, horizon=horizon, period=period)


_BASIS_ARRAYS = (
    "deal_idx",
    "win_probability",
    "stage_probability",
    "close_quantiles",
    "amount",
    "weekly_won",
    "created",
    "close",
    "is_won",
    "pipeline_amount",
    "scalars",
)


def basis_bytes(basis: ForecastBasis) -> bytes:
    """The basis as an uncompressed NumPy archive (a published build stores it)."""
    d, h = basis.deals, basis.pipeline
    buffer = io.BytesIO()
    np.savez(
        buffer,
        deal_idx=d.deal_idx,
        win_probability=d.win_probability,
        stage_probability=d.stage_probability,
        close_quantiles=d.close_quantiles,
        amount=basis.amount,
        weekly_won=basis.weekly_won,
        created=h.created,
        close=h.close,
        is_won=h.is_won,
        pipeline_amount=h.amount,
        scalars=np.array([basis.as_of, h.as_of, basis.n_sims, basis.seed], dtype=np.int64),
    )
    return buffer.getvalue()


def basis_from_bytes(body: bytes) -> ForecastBasis:
    """A basis written by `basis_bytes` (InputError when the archive is not one)."""
    try:
        with np.load(io.BytesIO(body), allow_pickle=False) as archive:
            a = {name: archive[name] for name in _BASIS_ARRAYS}
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"stored forecast basis cannot be read: {exc}") from exc
    as_of, pipeline_as_of, n_sims, seed = (int(v) for v in a["scalars"])
    return ForecastBasis(
        as_of=as_of,
        deals=DealTiming(
            deal_idx=a["deal_idx"],
            win_probability=a["win_probability"],
            stage_probability=a["stage_probability"],
            close_quantiles=a["close_quantiles"],
        ),
        amount=a["amount"],
        weekly_won=a["weekly_won"],
        pipeline=PipelineHistory(
            as_of=pipeline_as_of,
            created=a["created"],
            close=a["close"],
            is_won=a["is_won"],
            amount=a["pipeline_amount"],
        ),
        n_sims=n_sims,
        seed=seed,
    )
