"""Win-probability features of a deal as of a date, and the training snapshots.

Every feature of deal i at date D uses only what was known on D:

- stage at D (the last open stage entered on or before D), days in that stage, number of
  stage changes so far and their velocity (changes per 30 days of age), age (D − created);
- amount and its percentile among the deals open at D (created on or before D, not closed
  by D); product, plan, segment, channel/lead source, source system;
- the rep's and the account's win rate among their deals closed *before* D (shrunk toward
  the company's win rate before D with `PRIOR_WEIGHT` pseudo-deals) and those counts.

Never used: the deal's own outcome (won/lost, closed flag, close date or closing stage) —
at any D a deal is scored at, it is open. Each deal's amount is the amount now (the gold
layer does not restate amount history); where a source records a value only at close
(MavenTech's close_value, none for lost deals) the list price is used instead
(revlake.ml.deals), because the missing value would give the outcome away.

Training rows (`training_snapshots`): every closed deal is observed at its creation date
and at each month end while it was open (created < month end < close), labelled with its
final outcome; a row therefore asks "given what we knew at D about a deal open at D, will
it be won?" — exactly the question scoring asks about today's open deals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from revlake.errors import InputError
from revlake.ml.deals import CATEGORICAL_COLUMNS, NO_DATE, BoolArray, DealHistory, IntArray

PRIOR_WEIGHT = 5.0
_SHIFT = np.int64(2**31)
_DAY_OFFSET = np.int64(2**20)

CATEGORICAL_FEATURES = ("stage", *CATEGORICAL_COLUMNS)
NUMERIC_FEATURES = (
    "age_days",
    "days_in_stage",
    "stage_changes",
    "stage_velocity",
    "amount",
    "amount_percentile",
    "rep_win_rate",
    "rep_closed_deals",
    "account_win_rate",
    "account_closed_deals",
)
FEATURE_NAMES = (*CATEGORICAL_FEATURES, *NUMERIC_FEATURES)
EXPERIENCE_FEATURES = ("age_days", "days_in_stage", "amount")
"""The deal's own measurements whose training range is recorded with the model: an open
deal beyond it is capped for scoring and flagged "outside the model's experience"
(revlake.ml.open_deals). The rep's and account's counts and rates are left out: they grow
with the company's history by design, and trees already treat a value past the largest
one seen like that largest one."""

FloatMatrix = NDArray[np.float64]


@dataclass(frozen=True)
class FeatureSpec:
    """The feature list and the categorical vocabularies a model was trained with."""

    vocabularies: Mapping[str, tuple[str, ...]]
    names: tuple[str, ...] = FEATURE_NAMES
    # (min, max) of each EXPERIENCE_FEATURES column over the rows the model learned from;
    # empty for a model saved before the ranges were recorded (nothing is capped then)
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)

    @classmethod
    def from_history(cls, history: DealHistory) -> FeatureSpec:
        vocab: dict[str, tuple[str, ...]] = {
            "stage": tuple(sorted({str(s) for s in history.ev_stage.tolist()}))
        }
        for name in CATEGORICAL_COLUMNS:
            values = history.categoricals[name].tolist()
            vocab[name] = tuple(sorted({str(v) for v in values if v is not None}))
        return cls(vocabularies=vocab)

    @property
    def categorical_indices(self) -> list[int]:
        return [self.names.index(name) for name in CATEGORICAL_FEATURES]

    def encode(self, name: str, values: list[object]) -> NDArray[np.float64]:
        """Vocabulary codes of `values` (NaN for missing or unseen values)."""
        lookup = {v: float(i) for i, v in enumerate(self.vocabularies[name])}
        return np.array([lookup.get(str(v), np.nan) if v is not None else np.nan for v in values])

    def as_dict(self) -> dict[str, object]:
        return {
            "names": list(self.names),
            "vocabularies": {k: list(v) for k, v in self.vocabularies.items()},
            "ranges": {k: [lo, hi] for k, (lo, hi) in self.ranges.items()},
        }

    def with_ranges(self, x: FloatMatrix) -> FeatureSpec:
        """This spec with the training range of each EXPERIENCE_FEATURES column of `x`."""
        ranges: dict[str, tuple[float, float]] = {}
        for name in EXPERIENCE_FEATURES:
            column = x[:, self.names.index(name)]
            column = column[np.isfinite(column)]
            if column.size:
                ranges[name] = (float(column.min()), float(column.max()))
        return replace(self, ranges=ranges)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> FeatureSpec:
        names = data.get("names")
        vocab = data.get("vocabularies")
        if not isinstance(names, list) or not isinstance(vocab, dict):
            raise InputError("feature spec needs 'names' (list) and 'vocabularies' (object)")
        if tuple(names) != FEATURE_NAMES:
            raise InputError(
                f"feature list {names} does not match this revlake version's {list(FEATURE_NAMES)}"
            )
        raw_ranges = data.get("ranges", {})
        if not isinstance(raw_ranges, dict):
            raise InputError("feature spec 'ranges' must be an object of [min, max] pairs")
        try:
            ranges = {str(k): (float(v[0]), float(v[1])) for k, v in raw_ranges.items()}
        except (TypeError, ValueError, IndexError) as exc:
            raise InputError(f"feature spec 'ranges': {exc}") from exc
        return cls(
            vocabularies={str(k): tuple(str(x) for x in v) for k, v in vocab.items()},
            ranges=ranges,
        )


@dataclass(frozen=True)
class _History:
    """Sorted keys of one party kind's (rep / account) closed deals, for as-of look-ups."""

    keys: IntArray
    cum_won: IntArray  # cum_won[k] = wins among the first k closed deals in key order
    codes: IntArray  # party code per deal (-1: none)


@dataclass(frozen=True)
class FeatureContext:
    """A history prepared once for fast feature computation at any dates."""

    history: DealHistory
    spec: FeatureSpec
    ev_keys: IntArray
    ev_stage_code: NDArray[np.float64]
    deal_first_event: IntArray
    category_codes: Mapping[str, NDArray[np.float64]]
    closed_days_sorted: IntArray
    closed_cum_won: IntArray
    parties: Mapping[str, _History] = field(default_factory=dict)


def _day_key(days: IntArray) -> IntArray:
    keys: IntArray = np.clip(days + _DAY_OFFSET, 0, _SHIFT - 1).astype(np.int64)
    return keys


def _party_history(history: DealHistory, party: NDArray[np.object_]) -> _History:
    labels = np.array(["" if p is None else str(p) for p in party.tolist()], dtype=object)
    uniques, inverse = np.unique(labels, return_inverse=True)
    codes = inverse.astype(np.int64)
    if uniques.size and uniques[0] == "":
        codes = np.where(labels == "", -1, codes)
    closed = history.is_closed & (history.close != NO_DATE) & (codes >= 0)
    keys = codes[closed] * _SHIFT + _day_key(history.close[closed])
    order = np.argsort(keys, kind="stable")
    won = history.is_won[closed][order].astype(np.int64)
    return _History(keys=keys[order], cum_won=np.concatenate(([0], np.cumsum(won))), codes=codes)


def prepare(history: DealHistory, spec: FeatureSpec) -> FeatureContext:
    """Precompute look-up keys over the history (once per history and spec)."""
    ev_keys = history.ev_deal * _SHIFT + _day_key(history.ev_day)
    first = np.searchsorted(ev_keys, np.arange(history.n, dtype=np.int64) * _SHIFT, side="left")
    closed = history.is_closed & (history.close != NO_DATE)
    order = np.argsort(history.close[closed], kind="stable")
    won_sorted = history.is_won[closed][order].astype(np.int64)
    return FeatureContext(
        history=history,
        spec=spec,
        ev_keys=ev_keys,
        ev_stage_code=spec.encode("stage", history.ev_stage.tolist()),
        deal_first_event=first.astype(np.int64),
        category_codes={
            name: spec.encode(name, history.categoricals[name].tolist())
            for name in CATEGORICAL_COLUMNS
        },
        closed_days_sorted=history.close[closed][order],
        closed_cum_won=np.concatenate(([0], np.cumsum(won_sorted))),
        parties={
            "rep": _party_history(history, history.rep),
            "account": _party_history(history, history.account),
        },
    )


def open_at(history: DealHistory, day: int) -> BoolArray:
    """Deals open on `day`: created on or before it and not closed by then."""
    created = history.created
    mask: BoolArray = (
        (created != NO_DATE)
        & (created <= day)
        & (~history.is_closed | (history.close > day) | (history.close == NO_DATE))
    )
    return mask


def _amount_percentile(
    ctx: FeatureContext, deal_idx: IntArray, days: IntArray
) -> NDArray[np.float64]:
    history = ctx.history
    out = np.full(deal_idx.size, np.nan)
    amounts = history.amount[deal_idx]
    for day in np.unique(days):
        rows = np.flatnonzero(days == day)
        pool = history.amount[open_at(history, int(day))]
        pool = np.sort(pool[~np.isnan(pool)])
        if pool.size == 0:
            continue
        values = amounts[rows]
        known = ~np.isnan(values)
        out[rows[known]] = np.searchsorted(pool, values[known], side="right") / pool.size
    return out


def _party_rates(
    ctx: FeatureContext, party: str, deal_idx: IntArray, days: IntArray, prior: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    hist = ctx.parties[party]
    codes = hist.codes[deal_idx]
    has = codes >= 0
    base = np.where(has, codes, 0) * _SHIFT
    lo = np.searchsorted(hist.keys, base, side="left")
    hi = np.searchsorted(hist.keys, base + _day_key(days), side="left")  # closed before D
    count = (hi - lo).astype(np.float64)
    won = (hist.cum_won[hi] - hist.cum_won[lo]).astype(np.float64)
    rate = (won + PRIOR_WEIGHT * prior) / (count + PRIOR_WEIGHT)
    return np.where(has, rate, np.nan), np.where(has, count, np.nan)


def compute_features(ctx: FeatureContext, deal_idx: IntArray, days: IntArray) -> FloatMatrix:
    """Feature matrix (rows × FEATURE_NAMES) of deals `deal_idx` as of `days` (day numbers)."""
    deal_idx = np.asarray(deal_idx, dtype=np.int64)
    days = np.broadcast_to(np.asarray(days, dtype=np.int64), deal_idx.shape).copy()
    history = ctx.history
    if deal_idx.size and (deal_idx.min() < 0 or deal_idx.max() >= history.n):
        raise InputError("deal index out of range")
    created = history.created[deal_idx]
    has_created = created != NO_DATE
    age = np.where(has_created, days - created, np.nan).astype(np.float64)

    query = deal_idx * _SHIFT + _day_key(days)
    pos = np.searchsorted(ctx.ev_keys, query, side="right")
    entries = pos - ctx.deal_first_event[deal_idx]
    has_stage = entries > 0
    last = np.where(has_stage, pos - 1, 0)
    stage = np.where(has_stage, ctx.ev_stage_code[last] if last.size else np.nan, np.nan)
    entered = history.ev_day[last] if last.size else np.zeros(0, dtype=np.int64)
    in_stage = np.where(has_stage & (entered != NO_DATE), days - entered, age).astype(np.float64)
    changes = np.maximum(entries - 1, 0).astype(np.float64)
    velocity = np.where(np.isnan(age), np.nan, changes / np.maximum(age, 1.0) * 30.0)

    closed_before = np.searchsorted(ctx.closed_days_sorted, days, side="left")
    prior = np.where(
        closed_before > 0,
        ctx.closed_cum_won[closed_before] / np.maximum(closed_before, 1),
        0.5,
    )
    rep_rate, rep_n = _party_rates(ctx, "rep", deal_idx, days, prior)
    acct_rate, acct_n = _party_rates(ctx, "account", deal_idx, days, prior)

    columns: dict[str, NDArray[np.float64]] = {
        "stage": stage,
        **{name: ctx.category_codes[name][deal_idx] for name in CATEGORICAL_COLUMNS},
        "age_days": age,
        "days_in_stage": in_stage,
        "stage_changes": changes,
        "stage_velocity": velocity,
        "amount": history.amount[deal_idx],
        "amount_percentile": _amount_percentile(ctx, deal_idx, days),
        "rep_win_rate": rep_rate,
        "rep_closed_deals": rep_n,
        "account_win_rate": acct_rate,
        "account_closed_deals": acct_n,
    }
    return np.column_stack([columns[name] for name in ctx.spec.names]).astype(np.float64)


@dataclass(frozen=True)
class Snapshots:
    """Training rows: deal index, as-of day and final outcome (1 = won)."""

    deal_idx: IntArray
    day: IntArray
    label: NDArray[np.int8]


def month_ends(first_day: int, last_day: int) -> IntArray:
    """Day numbers of the month ends from `first_day`'s month to `last_day`'s month."""
    start = np.datetime64(int(first_day), "D").astype("datetime64[M]")
    stop = np.datetime64(int(last_day), "D").astype("datetime64[M]") + 1
    months = np.arange(start, stop, dtype="datetime64[M]")
    return ((months + 1).astype("datetime64[D]") - 1).astype(np.int64)


def training_snapshots(history: DealHistory, deals: IntArray) -> Snapshots:
    """Each closed deal in `deals` at its creation and at each month end while open."""
    deals = np.asarray(deals, dtype=np.int64)
    ok = (
        history.is_closed[deals]
        & (history.created[deals] != NO_DATE)
        & (history.close[deals] != NO_DATE)
        & (history.close[deals] >= history.created[deals])
    )
    deals = deals[ok]
    if deals.size == 0:
        return Snapshots(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int8))
    created = history.created[deals]
    close = history.close[deals]
    ends = month_ends(int(created.min()), int(close.max()))
    lo = np.searchsorted(ends, created, side="right")  # month ends after creation
    hi = np.searchsorted(ends, close, side="left")  # … and before the close
    counts = np.maximum(hi - lo, 0)
    rep_deals = np.repeat(deals, counts)
    starts = np.repeat(lo, counts)
    offsets = np.arange(rep_deals.size) - np.repeat(np.cumsum(counts) - counts, counts)
    month_days = ends[starts + offsets] if rep_deals.size else np.zeros(0, np.int64)
    all_deals = np.concatenate((deals, rep_deals))
    all_days = np.concatenate((created, month_days))
    order = np.lexsort((all_days, all_deals))
    all_deals, all_days = all_deals[order], all_days[order]
    return Snapshots(
        deal_idx=all_deals,
        day=all_days,
        label=history.is_won[all_deals].astype(np.int8),
    )
