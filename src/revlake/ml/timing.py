"""Close timing: a discrete-time competing-risks hazard model of when open deals close.

Why a hazard model: a model fitted on won deals only learns how long deals that have
already closed took, and so is biased towards fast deals (the slow ones are still open).
Here every deal contributes person-period rows, one per week it was observed open, from
several landmark dates (its creation and each month end while open): the row's outcome
is "won this week", "lost this week" or "still open". A deal still open at the as-of date
simply stops contributing rows there (right censoring), so the slow deals count.

The model is a multinomial logistic regression on those rows. Its covariates are what is
known at the landmark (stage, age, days in stage, amount and, when a win model is given,
the deal's win odds at the landmark: log(p ÷ (1 − p)) of the win model's probability)
plus the weeks elapsed since the landmark (a step function, and a per-stage slope), so
it can project an open deal forward from any date without knowing its future stage
changes. The win odds matter because deals that are going to be won also close sooner:
without them every deal of a stage and age gets the same timing, the average over likely
and unlikely winners, which is too late and too spread out for the likely ones.

For one deal at age 0 of the projection, with hazards h_w(j), h_l(j) per week j and
S(j) = Π_{k<j} (1 − h_w − h_l):

    P(won in week j) = S(j) · h_w(j),   P(close in week j | won) = that / Σ_j P(won in j)

(the mass beyond `MAX_WEEKS` is lumped into a last "later" column). The forecast combines
this conditional timing with the separately calibrated win model (win × timing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from numpy.typing import NDArray

from revlake.errors import InputError
from revlake.ml.deals import NO_DATE, DealHistory, day_date
from revlake.ml.features import (
    FeatureContext,
    FeatureSpec,
    compute_features,
    month_ends,
    prepare,
)
from revlake.ml.win import WinModel

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

WEEK = 7
MAX_WEEKS = 104  # projection horizon of the hazard model (2 years); beyond → "later"
TIME_EDGES = (1, 2, 3, 4, 6, 9, 13, 18, 26, 39, 52, 78)  # weeks since the landmark: buckets
MAX_TRAINING_ROWS = 400_000  # landmarks are subsampled (seeded) above this many rows
DEAL_FEATURES = ("age_days", "days_in_stage", "amount")
PROJECTION_CHUNK = 10_000  # deals projected at once (memory: chunk × weeks × 3 floats)
MIN_EVENTS = 20  # won closes needed to fit; fewer → an InputError
WIN_ODDS_CLIP = 0.005  # win probabilities are clipped to [0.005, 0.995] before the logit


@dataclass(frozen=True)
class HazardModel:
    """Coefficients of the multinomial hazard model (classes: open, won, lost)."""

    spec: FeatureSpec
    mean: FloatArray  # standardisation of the deal features
    scale: FloatArray
    deal_coef: FloatArray  # (classes, deal columns)
    time_coef: FloatArray  # (classes, time columns)
    intercept: FloatArray  # (classes,)
    rows: int  # person-period rows it was fitted on
    won_events: int
    lost_events: int
    win_model: WinModel | None = None  # gives the win-odds covariate (None: not used)


def _stage_codes(spec: FeatureSpec, x: FloatArray) -> IntArray:
    n_stages = len(spec.vocabularies["stage"])
    stage = x[:, spec.names.index("stage")]
    codes: IntArray = np.where(np.isnan(stage), n_stages, stage).astype(np.int64)
    return codes


def win_odds(win_model: WinModel, x: FloatArray) -> FloatArray:
    """log(p ÷ (1 − p)) of the win model's probability for feature rows `x` (clipped)."""
    p = np.clip(win_model.predict(x), WIN_ODDS_CLIP, 1.0 - WIN_ODDS_CLIP)
    odds: FloatArray = np.log(p / (1.0 - p))
    return odds


def _deal_part(spec: FeatureSpec, x: FloatArray, win_model: WinModel | None = None) -> FloatArray:
    """Raw deal covariates: log1p of age, days in stage, amount, the win odds when a win
    model is given; one-hot stage (+ unknown)."""
    cols = [
        np.log1p(np.clip(np.nan_to_num(x[:, spec.names.index(name)], nan=0.0), 0, None))
        for name in DEAL_FEATURES
    ]
    if win_model is not None:
        cols.append(win_odds(win_model, x) if x.shape[0] else np.zeros(0))
    n_stages = len(spec.vocabularies["stage"])
    onehot = np.eye(n_stages + 1)[_stage_codes(spec, x)]
    return np.column_stack([*cols, onehot]).astype(np.float64)


def _time_part(weeks: IntArray, stage_codes: IntArray, n_stages: int) -> FloatArray:
    """Step function of elapsed weeks, plus one log-slope per stage (stage × time)."""
    bucket = np.searchsorted(np.asarray(TIME_EDGES), weeks, side="right")
    steps = np.eye(len(TIME_EDGES) + 1)[bucket][:, 1:]  # bucket 0 is the reference
    slope = np.log1p(weeks.astype(np.float64)) / np.log1p(MAX_WEEKS)
    per_stage = np.zeros((weeks.size, n_stages + 1))
    per_stage[np.arange(weeks.size), stage_codes] = slope
    return np.column_stack([steps, per_stage])


@dataclass(frozen=True)
class PersonPeriods:
    """Training rows: landmark deal features, weeks since landmark and outcome class."""

    x: FloatArray  # compute_features rows at each landmark (one per landmark)
    landmark: IntArray  # landmark index per row
    week: IntArray
    outcome: NDArray[np.int8]  # 0 open, 1 won, 2 lost


def person_periods(history: DealHistory, ctx: FeatureContext, *, seed: int = 0) -> PersonPeriods:
    """Person-period rows from each deal's creation and month ends while open (censored)."""
    as_of = history.as_of
    ok = (history.created != NO_DATE) & (history.created <= as_of)
    closed = history.is_closed & (history.close != NO_DATE) & (history.close <= as_of)
    ok &= ~history.is_closed | closed
    ok &= ~closed | (history.close >= history.created)
    deals = np.flatnonzero(ok).astype(np.int64)
    end = np.where(closed[deals], history.close[deals], as_of)
    created = history.created[deals]
    if deals.size == 0:
        raise InputError("no deals with a creation date: cannot fit the close-timing model")
    ends = month_ends(int(created.min()), int(as_of))
    lo = np.searchsorted(ends, created, side="right")
    hi = np.searchsorted(ends, end, side="left")
    counts = np.maximum(hi - lo, 0)
    rep = np.repeat(np.arange(deals.size), counts)
    offsets = np.arange(rep.size) - np.repeat(np.cumsum(counts) - counts, counts)
    month_days = ends[np.repeat(lo, counts) + offsets] if rep.size else np.zeros(0, np.int64)
    lm_pos = np.concatenate((np.arange(deals.size), rep))
    lm_day = np.concatenate((created, month_days))
    span = end[lm_pos] - lm_day  # days from the landmark to the close (or the as-of date)
    n_weeks = np.minimum(np.maximum(-(-span // WEEK), 1), MAX_WEEKS)
    if int(n_weeks.sum()) > MAX_TRAINING_ROWS:
        rng = np.random.default_rng(seed)
        keep_share = MAX_TRAINING_ROWS / float(n_weeks.sum())
        keep = rng.random(lm_pos.size) < keep_share
        lm_pos, lm_day, span, n_weeks = lm_pos[keep], lm_day[keep], span[keep], n_weeks[keep]
    x = compute_features(ctx, deals[lm_pos], lm_day)
    landmark = np.repeat(np.arange(lm_pos.size), n_weeks)
    week = np.arange(landmark.size) - np.repeat(np.cumsum(n_weeks) - n_weeks, n_weeks)
    outcome = np.zeros(landmark.size, dtype=np.int8)
    is_last = week == n_weeks[landmark] - 1
    event = closed[deals][lm_pos] & (span <= MAX_WEEKS * WEEK)
    won = history.is_won[deals][lm_pos]
    last_rows = np.flatnonzero(is_last & event[landmark])
    outcome[last_rows] = np.where(won[landmark[last_rows]], 1, 2).astype(np.int8)
    return PersonPeriods(x=x, landmark=landmark, week=week.astype(np.int64), outcome=outcome)


def fit_hazard(
    history: DealHistory,
    spec: FeatureSpec | None = None,
    *,
    seed: int = 0,
    win_model: WinModel | None = None,
) -> HazardModel:
    """Fit the competing-risks hazard model on the history as of its as-of date.

    With `win_model`, the deal's win odds at each landmark are a covariate (and the model
    computes them again when it projects open deals); its feature spec is used.
    """
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    if win_model is not None:
        spec = win_model.spec
    spec = spec or FeatureSpec.from_history(history)
    ctx = prepare(history, spec)
    rows = person_periods(history, ctx, seed=seed)
    won_events = int((rows.outcome == 1).sum())
    lost_events = int((rows.outcome == 2).sum())
    if won_events < MIN_EVENTS or lost_events < 1:
        raise InputError(
            f"too little closed history to model close timing: {won_events} won and "
            f"{lost_events} lost closes (need at least {MIN_EVENTS} won and 1 lost)"
        )
    deal_raw = _deal_part(spec, rows.x, win_model)
    n_cont = len(DEAL_FEATURES) + (win_model is not None)
    mean = np.zeros(deal_raw.shape[1])
    scale = np.ones(deal_raw.shape[1])
    mean[:n_cont] = deal_raw[:, :n_cont].mean(axis=0)
    scale[:n_cont] = np.maximum(deal_raw[:, :n_cont].std(axis=0), 1e-9)
    deal = ((deal_raw - mean) / scale)[rows.landmark]
    n_stages = len(spec.vocabularies["stage"])
    time = _time_part(rows.week, _stage_codes(spec, rows.x)[rows.landmark], n_stages)
    design = np.hstack((deal, time))
    model = LogisticRegression(C=1.0, max_iter=300, tol=1e-4)
    # one BLAS thread: on a small, busy machine a thread team per iteration is ~25x slower
    with threadpool_limits(1):
        model.fit(design, rows.outcome)
    coef = np.zeros((3, design.shape[1]))
    intercept = np.full(3, -30.0)  # a class never seen (e.g. no lost close) gets ~0 hazard
    for k, cls in enumerate(model.classes_.tolist()):
        coef[int(cls)] = model.coef_[k] if model.coef_.shape[0] > 1 else 0.0
        intercept[int(cls)] = model.intercept_[k] if model.coef_.shape[0] > 1 else 0.0
    n_deal = deal.shape[1]
    return HazardModel(
        spec=spec,
        mean=mean,
        scale=scale,
        deal_coef=coef[:, :n_deal],
        time_coef=coef[:, n_deal:],
        intercept=intercept,
        rows=int(design.shape[0]),
        won_events=won_events,
        lost_events=lost_events,
        win_model=win_model,
    )


def weekly_hazards(model: HazardModel, x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(h_won, h_lost): (deals × MAX_WEEKS) weekly hazards projected from rows `x`."""
    n_stages = len(model.spec.vocabularies["stage"])
    deal = (_deal_part(model.spec, x, model.win_model) - model.mean) / model.scale
    eta_deal = deal @ model.deal_coef.T + model.intercept  # (n, 3)
    weeks = np.arange(MAX_WEEKS, dtype=np.int64)
    # the time part depends on (stage, week) only: one (stage, week, class) table
    table = np.stack(
        [
            _time_part(weeks, np.full(MAX_WEEKS, s, dtype=np.int64), n_stages) @ model.time_coef.T
            for s in range(n_stages + 1)
        ]
    )
    eta = eta_deal[:, None, :] + table[_stage_codes(model.spec, x)]  # (n, weeks, 3)
    eta -= eta.max(axis=2, keepdims=True)
    expo = np.exp(eta)
    prob = expo / expo.sum(axis=2, keepdims=True)
    return prob[:, :, 1], prob[:, :, 2]


def conditional_weekly(model: HazardModel, x: FloatArray) -> FloatArray:
    """P(won in week j | won), j = 0..MAX_WEEKS-1, plus a last column "after MAX_WEEKS".

    Rows are projected in chunks so memory stays bounded (~100 MB) for any pipeline size.
    """
    if x.shape[0] > PROJECTION_CHUNK:
        parts = [
            _conditional_weekly(model, x[start : start + PROJECTION_CHUNK])
            for start in range(0, x.shape[0], PROJECTION_CHUNK)
        ]
        return np.vstack(parts)
    return _conditional_weekly(model, x)


def _conditional_weekly(model: HazardModel, x: FloatArray) -> FloatArray:
    h_won, h_lost = weekly_hazards(model, x)
    survive = np.cumprod(1.0 - h_won - h_lost, axis=1)
    before = np.hstack((np.ones((x.shape[0], 1)), survive[:, :-1]))
    won_in = before * h_won
    # still open after the horizon: wins at the last week's won share of closes
    last_share = h_won[:, -1] / np.maximum(h_won[:, -1] + h_lost[:, -1], 1e-12)
    tail = survive[:, -1] * last_share
    mass = np.hstack((won_in, tail[:, None]))
    total = mass.sum(axis=1, keepdims=True)
    out: FloatArray = np.where(total > 0, mass / np.maximum(total, 1e-300), 0.0)
    out[total[:, 0] <= 0, -1] = 1.0
    return out


def period_probabilities(weekly: FloatArray, as_of: int, period_ends: IntArray) -> FloatArray:
    """Fold weekly probabilities into forecast periods (+ "later"): week j → the period
    that holds its middle day (as_of + 7j + 4)."""
    mid = as_of + WEEK * np.arange(MAX_WEEKS) + 4
    period = np.searchsorted(period_ends, mid, side="left")  # == len(ends): after horizon
    n_periods = period_ends.size
    out = np.zeros((weekly.shape[0], n_periods + 1))
    for j in range(MAX_WEEKS):
        out[:, min(int(period[j]), n_periods)] += weekly[:, j]
    out[:, -1] += weekly[:, -1]
    return out


def quantile_close_days(
    weekly: FloatArray, as_of: int, quantiles: tuple[float, ...] = (0.1, 0.5, 0.9)
) -> NDArray[np.int64]:
    """Close-date quantiles given a win (day numbers; NO_DATE when beyond MAX_WEEKS).

    The week where the cumulative probability reaches the quantile is found, and the day
    within it interpolated linearly (close days are spread evenly over a week)."""
    cum = np.cumsum(weekly[:, :-1], axis=1)
    rows = np.arange(weekly.shape[0])
    out = np.empty((weekly.shape[0], len(quantiles)), dtype=np.int64)
    for k, q in enumerate(quantiles):
        reached = cum >= q - 1e-12
        first = reached.argmax(axis=1)
        before = np.where(first > 0, cum[rows, np.maximum(first - 1, 0)], 0.0)
        mass = np.maximum(weekly[rows, first], 1e-12)
        within = np.clip(np.ceil(WEEK * (q - before) / mass), 1, WEEK).astype(np.int64)
        out[:, k] = np.where(reached.any(axis=1), as_of + WEEK * first + within, NO_DATE)
    return out


def describe_quantiles(days: NDArray[np.int64]) -> list[list[date | None]]:
    """Day numbers → dates (None for "after the model's horizon")."""
    return [[None if d == NO_DATE else day_date(int(d)) for d in row] for row in days.tolist()]


@dataclass(frozen=True)
class CloseDateCoverage:
    """How the close-date ranges of deals open at a cut-off fared against what happened."""

    won: int  # deals open at the cut-off that were won later
    inside: int  # closed within [P10, P90]
    before_p10: int
    after_p90: int  # including deals whose P90 lay beyond the model's horizon: never
    by_p50: int  # closed on or before P50
    width_days: int  # Σ (P90 − P10) in days over the deals whose P90 is within the horizon
    width_deals: int  # … and their number

    @property
    def mean_width_days(self) -> float:
        """Mean width of the P10–P90 range in days."""
        return self.width_days / self.width_deals if self.width_deals else float("nan")

    def __add__(self, other: CloseDateCoverage) -> CloseDateCoverage:
        return CloseDateCoverage(
            self.won + other.won,
            self.inside + other.inside,
            self.before_p10 + other.before_p10,
            self.after_p90 + other.after_p90,
            self.by_p50 + other.by_p50,
            self.width_days + other.width_days,
            self.width_deals + other.width_deals,
        )


def close_date_coverage(
    then: DealHistory, later: DealHistory, model: HazardModel
) -> CloseDateCoverage:
    """Score the P10/P50/P90 close dates that `model` (fitted on `then`, the history cut at
    its as-of date) gives the deals open then, against their close in `later` (the same
    deals' full history). Ideal: 80 % inside, 50 % by P50, 10 % on each side."""
    open_then = np.flatnonzero(
        ~then.is_closed & (then.created != NO_DATE) & (then.created <= then.as_of)
    )
    index = {opp: i for i, opp in enumerate(later.opportunity_id.tolist())}
    found = np.array([index.get(o, -1) for o in then.opportunity_id[open_then].tolist()])
    known = found >= 0
    open_then, found = open_then[known], found[known]
    won = later.is_won[found] & (later.close[found] != NO_DATE) & (later.close[found] > then.as_of)
    deals, close = open_then[won], later.close[found[won]]
    if deals.size == 0:
        return CloseDateCoverage(0, 0, 0, 0, 0, 0, 0)
    x = compute_features(prepare(then, model.spec), deals, np.full(deals.size, then.as_of))
    q = quantile_close_days(conditional_weekly(model, x), then.as_of)
    p90 = np.where(q[:, 2] == NO_DATE, np.iinfo(np.int64).max, q[:, 2])
    p50 = np.where(q[:, 1] == NO_DATE, np.iinfo(np.int64).max, q[:, 1])
    before = close < q[:, 0]
    after = close > p90
    return CloseDateCoverage(
        won=int(deals.size),
        inside=int((~before & ~after).sum()),
        before_p10=int(before.sum()),
        after_p90=int(after.sum()),
        by_p50=int((close <= p50).sum()),
        width_days=int((q[:, 2] - q[:, 0])[q[:, 2] != NO_DATE].sum()),
        width_deals=int((q[:, 2] != NO_DATE).sum()),
    )
