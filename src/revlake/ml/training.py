"""Training and evaluation of the win model on a time split.

Split (by creation date of the closed deals): the oldest 60 % of deals train, the next
20 % validate (early stopping and isotonic calibration), the newest 20 % test. A deal's
snapshots stay with its deal; training snapshots are cut at the validation start and
validation snapshots at the test start, so nothing a fold sees is dated after the next
fold begins (only the final outcomes of its own deals, which is what a label is).

The evaluation compares, on the test snapshots, the calibrated model with the raw
(uncalibrated) model, the base-rate model (training win rate for everyone) and the stage
win rates (fitted on the training snapshots) — and with the generator's true
probabilities when an oracle is given (synthetic data only).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from revlake.errors import InputError
from revlake.ml.deals import NO_DATE, DealHistory, IntArray, day_date
from revlake.ml.explain import Reference, global_importance
from revlake.ml.features import (
    FeatureSpec,
    FloatMatrix,
    Snapshots,
    compute_features,
    prepare,
    training_snapshots,
)
from revlake.ml.metrics import ReliabilityBin, probability_metrics, reliability_bins
from revlake.ml.registry import fingerprint
from revlake.ml.stage_time import won_age_days, won_days_in_stage
from revlake.ml.win import (
    LightGbmWinModel,
    StageRateModel,
    WinModel,
    fit_lightgbm,
    too_little_history,
)

TRAIN_SHARE = 0.6
VALID_SHARE = 0.2
IMPORTANCE_ROWS = 5000


@dataclass(frozen=True)
class Fold:
    """One fold's snapshots and their features."""

    name: str
    snapshots: Snapshots
    x: FloatMatrix

    @property
    def y(self) -> NDArray[np.int8]:
        return self.snapshots.label


@dataclass
class TrainResult:
    """A trained model with everything its report and registry entry need."""

    model: WinModel
    reference: Reference
    message: str | None
    evaluation: dict[str, Any]
    curves: dict[str, list[ReliabilityBin]] = field(default_factory=dict)
    fingerprint: str = ""
    split: dict[str, Any] = field(default_factory=dict)


def labelled_deals(history: DealHistory) -> IntArray:
    """Closed deals with a creation and close date in order (the ones with an outcome)."""
    ok = (
        history.is_closed
        & (history.created != NO_DATE)
        & (history.close != NO_DATE)
        & (history.close >= history.created)
    )
    return np.flatnonzero(ok).astype(np.int64)


def time_split(history: DealHistory) -> tuple[IntArray, IntArray, IntArray, int, int]:
    """(train, validation, test deal indices, validation start day, test start day)."""
    deals = labelled_deals(history)
    if deals.size < 10:
        raise InputError(
            f"only {deals.size} closed deals with valid dates: too few to train or evaluate"
        )
    created = history.created[deals]
    t1 = int(np.quantile(created, TRAIN_SHARE, method="lower")) + 1
    t2 = int(np.quantile(created, TRAIN_SHARE + VALID_SHARE, method="lower")) + 1
    t2 = max(t2, t1 + 1)
    train = deals[created < t1]
    valid = deals[(created >= t1) & (created < t2)]
    test = deals[created >= t2]
    return train, valid, test, t1, t2


def _cut(snaps: Snapshots, before: int | None) -> Snapshots:
    if before is None:
        return snaps
    keep = snaps.day < before
    return Snapshots(snaps.deal_idx[keep], snaps.day[keep], snaps.label[keep])


def _fold(name: str, history: DealHistory, ctx: Any, deals: IntArray, before: int | None) -> Fold:
    snaps = _cut(training_snapshots(history, deals), before)
    return Fold(name=name, snapshots=snaps, x=compute_features(ctx, snaps.deal_idx, snaps.day))


def _metrics(y: NDArray[np.int8], p: NDArray[np.float64]) -> dict[str, Any] | None:
    if y.size == 0:
        return None
    return probability_metrics(y, p).as_dict()


def _first_rows(snaps: Snapshots) -> NDArray[np.bool_]:
    """Each deal's first snapshot (its creation), for one-row-per-deal figures."""
    first = np.ones(snaps.deal_idx.size, dtype=bool)
    first[1:] = snaps.deal_idx[1:] != snaps.deal_idx[:-1]
    return first


def evaluate(
    model: WinModel,
    stage_model: StageRateModel,
    base_rate: float,
    test: Fold,
    history: DealHistory,
    oracle: Mapping[str, float] | None = None,
) -> tuple[dict[str, Any], dict[str, list[ReliabilityBin]]]:
    """Metrics of every model on the test snapshots (all, and at creation only)."""
    y = test.y
    predictions: dict[str, NDArray[np.float64]] = {
        "model": model.predict(test.x),
        "stage_rates": stage_model.predict(test.x),
        "base_rate": np.full(y.size, base_rate),
    }
    if isinstance(model, LightGbmWinModel):
        predictions["model_uncalibrated"] = model.raw_probability(test.x)
    if oracle is not None:
        ids = history.opportunity_id[test.snapshots.deal_idx].tolist()
        known = np.array([i in oracle for i in ids], dtype=bool)
        if known.all():
            predictions["oracle"] = np.array([oracle[i] for i in ids], dtype=np.float64)
    first = _first_rows(test.snapshots)
    report: dict[str, Any] = {
        "test_snapshots": {name: _metrics(y, p) for name, p in predictions.items()},
        "test_at_creation": {name: _metrics(y[first], p[first]) for name, p in predictions.items()},
    }
    curves = {
        name: reliability_bins(y, p, 10)
        for name, p in predictions.items()
        if name in ("model", "model_uncalibrated", "stage_rates", "oracle") and y.size
    }
    return report, curves


def train_win_model(
    history: DealHistory,
    oracle: Mapping[str, float] | None = None,
    params: Mapping[str, Any] | None = None,
    on_step: Callable[[str], None] | None = None,
) -> TrainResult:
    """Split by time, fit (LightGBM or the stage-rate fallback), evaluate on the test fold."""
    step = on_step or (lambda _msg: None)
    train_deals, valid_deals, test_deals, t1, t2 = time_split(history)
    spec = FeatureSpec.from_history(history)
    ctx = prepare(history, spec)
    step("features")
    train = _fold("train", history, ctx, train_deals, t1)
    valid = _fold("validation", history, ctx, valid_deals, t2)
    test = _fold("test", history, ctx, test_deals, None)
    labelled = labelled_deals(history)
    won = int(history.is_won[labelled].sum())
    lost = int(labelled.size - won)
    message = too_little_history(won, lost)
    reference_rows = np.vstack((train.x, valid.x))
    reference_y = np.concatenate((train.y, valid.y))
    if train.y.size == 0:
        raise InputError("no training snapshots: every closed deal is in the newest folds")
    # the range of the rows the model learns from travels with it (features.json): open
    # deals beyond it are capped and flagged when scored (revlake.ml.open_deals)
    spec = spec.with_ranges(train.x if message is None else reference_rows)
    stage_model = StageRateModel.fit(train.x, train.y, spec)
    model: WinModel
    step("fit")
    if message is None:
        model = fit_lightgbm(train.x, train.y, valid.x, valid.y, spec, params)
        reference = Reference.from_training(train.x, train.y, spec)
    else:
        model = StageRateModel.fit(reference_rows, reference_y, spec)
        reference = Reference.from_training(reference_rows, reference_y, spec)
    # sentences compare with the company's win rate per deal (not per snapshot: lost deals
    # stay open longer and so have more snapshots)
    known = np.concatenate((train_deals, valid_deals))
    # stagnation's yardstick: the median days won deals spent in each stage, from the
    # stage history (revlake.ml.stage_time), not the days-in-stage of won snapshots
    reference = replace(
        reference,
        win_rate=float(history.is_won[known].mean()),
        won_days_in_stage=won_days_in_stage(history),
        won_age_days=won_age_days(history),
    )
    step("evaluate")
    base_rate = float(train.y.mean())
    evaluation, curves = evaluate(model, stage_model, base_rate, test, history, oracle)
    if isinstance(model, LightGbmWinModel) and test.y.size:
        rows = test.x[:IMPORTANCE_ROWS]
        evaluation["global_importance"] = global_importance(model, rows)
        evaluation["best_iteration"] = int(model.booster.best_iteration or 0)
    split = {
        "scheme": "by creation date of closed deals: 60% train / 20% validation / 20% test",
        "validation_start": day_date(t1).isoformat(),
        "test_start": day_date(t2).isoformat(),
        "deals": {
            "train": int(train_deals.size),
            "validation": int(valid_deals.size),
            "test": int(test_deals.size),
        },
        "snapshots": {
            "train": int(train.y.size),
            "validation": int(valid.y.size),
            "test": int(test.y.size),
        },
        "closed_deals": {"won": won, "lost": lost},
    }
    evaluation["split"] = split
    fp = fingerprint(
        history.opportunity_id[train.snapshots.deal_idx],
        train.snapshots.day,
        train.x,
        train.y,
        history.opportunity_id[valid.snapshots.deal_idx],
        valid.snapshots.day,
        valid.x,
        valid.y,
    )
    return TrainResult(
        model=model,
        reference=reference,
        message=message,
        evaluation=evaluation,
        curves=curves,
        fingerprint=fp,
        split=split,
    )
