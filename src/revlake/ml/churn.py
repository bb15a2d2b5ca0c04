"""Churn risk: P(a paying customer churns within the horizon), LightGBM + calibration.

Rows are the customer-months of `revlake.ml.churn_data` (features as of the month's end).
Time split by scoring month M over the labelled rows (M + horizon ≤ as-of month): the
oldest 60 % of months train, the next 20 % validate (early stopping, isotonic
calibration), the newest 20 % test. A fold keeps only rows whose label window ends
before the next fold starts (M + horizon < next fold's first month), so no label of an
earlier fold looks into a later one. The evaluation compares, on the test rows, the
calibrated model (Platt scaling by default, isotonic as an option) with the raw model,
the base-rate model (the training churn rate for everyone) and, on synthetic data, the
generator's true hazards (the oracle).

Drivers are exact TreeSHAP contributions (revlake.ml.treeshap) rescaled to probability
points like the win model's (revlake.ml.explain), with churn-specific sentences; the
risk level and suggested intervention come from the calibrated probability.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from revlake.errors import InputError, RevlakeError
from revlake.ml.churn_data import (
    CATEGORICAL_FEATURES,
    FEATURE_NAMES,
    PLANS,
    SEGMENTS,
    ChurnPanel,
    FloatMatrix,
    month_label,
)
from revlake.ml.explain import signed_points
from revlake.ml.metrics import ReliabilityBin, probability_metrics, reliability_bins
from revlake.ml.registry import read_latest, write_version
from revlake.ml.win import DEFAULT_PARAMS, EARLY_STOPPING, MAX_ROUNDS, IsotonicCalibration

DEFAULT_HORIZON_DAYS = 90
TRAIN_SHARE = 0.6
VALID_SHARE = 0.2
MODEL_FAMILY = "churn"
# the win model's LightGBM settings with smaller, slower trees: a few hundred churners
# a fold; among five settings tried on the synthetic company all were within 0.005 AUC
CHURN_PARAMS: dict[str, Any] = {
    "num_leaves": 7,
    "max_depth": 3,
    "min_data_in_leaf": 200,
    "learning_rate": 0.02,
}

FloatArray = NDArray[np.float64]

LEVELS = (  # (lower bound of probability, level, suggested intervention), highest first
    (0.20, "critical", "executive sponsor call this week and a retention offer"),
    (0.10, "high", "customer-success review within two weeks: usage, value, open issues"),
    (0.05, "medium", "proactive check-in and a health review at the next touchpoint"),
    (0.0, "low", "no action: keep the regular cadence"),
)


def horizon_months(horizon_days: int) -> int:
    """Days → whole months (30-day months, at least 1); InputError for a non-positive horizon."""
    if horizon_days <= 0:
        raise InputError(f"horizon must be a positive number of days (got {horizon_days})")
    return max(1, round(horizon_days / 30))


def risk_level(probability: FloatArray) -> tuple[list[str], list[str]]:
    """Level and suggested intervention per probability."""
    levels: list[str] = []
    actions: list[str] = []
    for p in probability.tolist():
        for lower, name, action in LEVELS:
            if p >= lower:
                levels.append(name)
                actions.append(action)
                break
    return levels, actions


@dataclass
class ChurnModel:
    """Boosted trees plus an isotonic map, and the horizon they predict."""

    booster: Any  # lightgbm.Booster
    calibration: IsotonicCalibration
    horizon_months: int

    def raw_probability(self, x: FloatMatrix) -> FloatArray:
        out = self.booster.predict(x, raw_score=True, num_threads=1)
        return 1.0 / (1.0 + np.exp(-np.asarray(out, dtype=np.float64)))

    def predict(self, x: FloatMatrix) -> FloatArray:
        """Calibrated churn probability per row."""
        return self.calibration.apply(self.raw_probability(x))

    def contributions(self, x: FloatMatrix) -> FloatMatrix:
        """Exact TreeSHAP contributions (logit): columns = features + bias (last)."""
        from revlake.ml.treeshap import tree_contributions

        return tree_contributions(self.booster, x, num_threads=1)


@dataclass(frozen=True)
class Split:
    """Row masks of the three folds and their first months."""

    train: NDArray[np.bool_]
    valid: NDArray[np.bool_]
    test: NDArray[np.bool_]
    valid_start: int
    test_start: int

    def describe(self) -> dict[str, Any]:
        return {
            "scheme": "by scoring month at 60% / 80% of the labelled rows: train / "
            "validation / test, "
            "label windows cut at the next fold's start",
            "validation_start": month_label(self.valid_start),
            "test_start": month_label(self.test_start),
            "rows": {
                "train": int(self.train.sum()),
                "validation": int(self.valid.sum()),
                "test": int(self.test.sum()),
            },
        }


def time_split(panel: ChurnPanel, horizon: int) -> Split:
    """Folds by scoring month; a fold's label windows end before the next fold begins."""
    labelled = panel.labelled(horizon)
    months = np.unique(panel.month[labelled])
    if months.size < 3 * horizon + 3:
        raise InputError(
            f"only {months.size} months with a known {horizon}-month outcome: need at least "
            f"{3 * horizon + 3} to split into train, validation and test"
        )
    # fold boundaries at row quantiles (recent months hold more customers)
    rows = panel.month[labelled]
    t1 = int(np.quantile(rows, TRAIN_SHARE, method="lower")) + 1
    t2 = max(int(np.quantile(rows, TRAIN_SHARE + VALID_SHARE, method="lower")) + 1, t1 + 1)
    m = panel.month
    return Split(
        train=labelled & (m + horizon < t1),
        valid=labelled & (m >= t1) & (m + horizon < t2),
        test=labelled & (m >= t2),
        valid_start=t1,
        test_start=t2,
    )


def platt_calibration(raw: FloatArray, outcome: NDArray[np.int8]) -> IsotonicCalibration:
    """Platt scaling (a logistic fit on the raw logit), stored as a dense monotone map.

    With a few hundred churners in the validation fold an isotonic map overfits (steps,
    ties that cost ROC-AUC); two parameters do not. The fitted sigmoid is sampled at 400
    points of raw probability so the result is an `IsotonicCalibration` (same storage and
    interpolation as the win model's), strictly increasing: the ranking is kept.
    """
    from sklearn.linear_model import LogisticRegression

    if raw.size == 0 or len(np.unique(outcome)) < 2:
        raise InputError("calibration needs validation rows of both outcomes")
    logit = np.log(np.clip(raw, 1e-9, 1 - 1e-9) / np.clip(1 - raw, 1e-9, 1))
    fit = LogisticRegression(C=1e6).fit(logit[:, None], outcome)
    a, b = float(fit.coef_[0][0]), float(fit.intercept_[0])
    grid_logit = np.linspace(-12.0, 12.0, 400)
    x = 1.0 / (1.0 + np.exp(-grid_logit))
    y = 1.0 / (1.0 + np.exp(-(a * grid_logit + b)))
    return IsotonicCalibration(x=tuple(x.tolist()), y=tuple(y.tolist()))


def fit_model(
    x_train: FloatMatrix,
    y_train: NDArray[np.int8],
    x_valid: FloatMatrix,
    y_valid: NDArray[np.int8],
    horizon: int,
    params: Mapping[str, Any] | None = None,
    calibration: str = "platt",
) -> ChurnModel:
    """LightGBM on the training fold, early-stopped and calibrated on the validation fold."""
    import lightgbm as lgb

    if len(np.unique(y_train)) < 2 or len(np.unique(y_valid)) < 2:
        raise InputError(
            "training and validation folds both need customers who churned and who stayed"
        )
    merged = {**DEFAULT_PARAMS, **CHURN_PARAMS, **(params or {})}
    cats = [FEATURE_NAMES.index(name) for name in CATEGORICAL_FEATURES]
    train = lgb.Dataset(
        x_train, label=y_train, feature_name=list(FEATURE_NAMES), categorical_feature=cats
    )
    valid = lgb.Dataset(x_valid, label=y_valid, reference=train)
    booster = lgb.train(
        merged,
        train,
        num_boost_round=MAX_ROUNDS,
        valid_sets=[valid],
        callbacks=[lgb.early_stopping(EARLY_STOPPING, verbose=False)],
    )
    model = ChurnModel(booster, IsotonicCalibration((0.0, 1.0), (0.0, 1.0)), horizon)
    raw = model.raw_probability(x_valid)
    if calibration == "platt":
        model.calibration = platt_calibration(raw, y_valid)
    elif calibration == "isotonic":
        model.calibration = IsotonicCalibration.fit(raw, y_valid)
    else:
        raise InputError(f"calibration must be 'platt' or 'isotonic' (got {calibration!r})")
    return model


@dataclass
class ChurnTrainResult:
    """A trained churn model with its evaluation."""

    model: ChurnModel
    split: dict[str, Any]
    evaluation: dict[str, Any]
    curves: dict[str, list[ReliabilityBin]] = field(default_factory=dict)


def oracle_probability(
    panel: ChurnPanel, hazards: Mapping[tuple[str, int], float], horizon: int
) -> FloatArray:
    """The generator's true probability as of month M: 1 − (1 − h)^H.

    h is the hazard the generator drew for the customer in month M itself, which depends
    only on the customer's state then (latent health included). Without a decision in M
    (a customer's first calendar month, a trial) the first hazard of M+1 … M+H stands in;
    without any, 0. This is the yardstick of the "within 0.03 of the oracle" target: a
    probability "as of M" cannot know what happens after M.
    """
    out = np.empty(panel.n)
    for i, (cid, m) in enumerate(
        zip(panel.customer_id.tolist(), panel.month.tolist(), strict=True)
    ):
        key = str(cid)
        h = hazards.get((key, int(m)))
        k = 1
        while h is None and k <= horizon:
            h = hazards.get((key, int(m) + k))
            k += 1
        out[i] = 1.0 - (1.0 - (h or 0.0)) ** horizon
    return out


def realised_path_probability(
    panel: ChurnPanel, hazards: Mapping[tuple[str, int], float], horizon: int
) -> FloatArray:
    """1 − Π (1 − hazard) over M+1 … M+H: the hazards of the path that actually happened.

    Those hazards include events after M (a payment that failed in M+2, a contraction
    decided in M+1, a coupon that ran out), so this is an upper bound no model scoring at
    M can reach, reported beside the as-of-M oracle. The truth file has a hazard only for
    months in which a decision was drawn, so after a customer's cancellation request the
    later months are missing: they are censored, not safe, and take the last hazard known
    in the window (or month M's); without any, 0.
    """
    out = np.empty(panel.n)
    for i, (cid, m) in enumerate(
        zip(panel.customer_id.tolist(), panel.month.tolist(), strict=True)
    ):
        key = str(cid)
        last = hazards.get((key, int(m)), 0.0)
        survive = 1.0
        for k in range(1, horizon + 1):
            last = hazards.get((key, int(m) + k), last)
            survive *= 1.0 - last
        out[i] = 1.0 - survive
    return out


def train_churn_model(
    panel: ChurnPanel,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    hazards: Mapping[tuple[str, int], float] | None = None,
    params: Mapping[str, Any] | None = None,
    calibration: str = "platt",
) -> ChurnTrainResult:
    """Split by time, fit, calibrate and evaluate on the test fold."""
    horizon = horizon_months(horizon_days)
    split = time_split(panel, horizon)
    y = panel.label(horizon)
    if not split.train.any() or not split.valid.any() or not split.test.any():
        raise InputError("a fold of the time split is empty: too little history")
    model = fit_model(
        panel.x[split.train],
        y[split.train],
        panel.x[split.valid],
        y[split.valid],
        horizon,
        params,
        calibration,
    )
    test = panel.subset(split.test)
    y_test = y[split.test]
    base_rate = float(y[split.train].mean())
    predictions: dict[str, FloatArray] = {
        "model": model.predict(test.x),
        "model_uncalibrated": model.raw_probability(test.x),
        "base_rate": np.full(y_test.size, base_rate),
    }
    if hazards is not None:
        predictions["oracle"] = oracle_probability(test, hazards, horizon)
        predictions["oracle_realised_path"] = realised_path_probability(test, hazards, horizon)
    evaluation: dict[str, Any] = {
        "horizon_months": horizon,
        "test": {name: probability_metrics(y_test, p).as_dict() for name, p in predictions.items()},
        "best_iteration": int(model.booster.best_iteration or 0),
        "train_churn_rate": base_rate,
    }
    contributions = model.contributions(test.x[:5000])[:, :-1]
    importance = np.abs(contributions).mean(axis=0)
    evaluation["global_importance"] = {
        name: float(v)
        for name, v in sorted(
            zip(FEATURE_NAMES, importance.tolist(), strict=True), key=lambda kv: -kv[1]
        )
    }
    curves = {
        name: reliability_bins(y_test, predictions[name], 10)
        for name in ("model", "model_uncalibrated", "oracle")
        if name in predictions
    }
    desc = split.describe()
    evaluation["split"] = desc
    return ChurnTrainResult(model=model, split=desc, evaluation=evaluation, curves=curves)


# ----------------------------------------------------------------------------- drivers


def _sentence(feature: str, value: float, points: float) -> str:
    signed = signed_points(points)
    if np.isnan(value):
        missing = {
            "months_since_contraction": "never contracted",
            "seats_change_3m": "no seat count 3 months ago (a newer customer)",
            "seats": "seat count unknown",
            "active_share": "no product usage reported this month",
            "active_share_3m": "no product usage reported in 3 months",
            "active_share_change_3m": "no usage 3 months ago to compare with",
            "sessions_per_active_user_3m": "no product sessions reported in 3 months",
        }
        return f"{missing.get(feature, feature.replace('_', ' ') + ' is unknown')}: {signed}"
    v = round(value)
    texts = {
        "segment": f"segment is {SEGMENTS[v] if 0 <= v < len(SEGMENTS) else 'unknown'}",
        "plan": f"plan is {PLANS[v] if 0 <= v < len(PLANS) else 'unknown'}",
        "expansions_total": f"{v} expansion{'' if v == 1 else 's'} since joining",
        "contractions_total": f"{v} contraction{'' if v == 1 else 's'} since joining",
        "seats": f"{v} seat{'' if v == 1 else 's'}",
        "seats_change_3m": f"seats changed by {v:+d} over 3 months",
        "discount_now": "the latest invoice is discounted" if v else "no discount now",
        "tenure_months": f"customer for {v} month{'' if v == 1 else 's'}",
        "mrr": f"MRR is {value:,.0f}",
        "mrr_change_1m": f"MRR changed by {value:+,.0f} over the last month",
        "mrr_change_3m": f"MRR changed by {value:+,.0f} over the last 3 months",
        "expansions_6m": f"{v} expansion{'' if v == 1 else 's'} in the last 6 months",
        "contractions_6m": f"{v} contraction{'' if v == 1 else 's'} in the last 6 months",
        "months_since_contraction": f"last contraction {v} month{'' if v == 1 else 's'} ago",
        "reactivated": "came back after churning before" if v else "never churned before",
        "annual_billing": "billed annually" if v else "billed monthly",
        "days_to_renewal": f"next renewal in {v} day{'' if v == 1 else 's'}",
        "discounted_invoices_3m": f"{v} discounted invoice{'' if v == 1 else 's'} in 3 months",
        "discount_ended_3m": "a discount ended recently" if v else "no discount ended recently",
        "failed_payments_90d": f"{v} failed payment{'' if v == 1 else 's'} in the last 90 days",
        "late_payments_180d": f"{v} late payment{'' if v == 1 else 's'} in the last 180 days",
        "refunds_180d": f"{v} refund{'' if v == 1 else 's'} in the last 180 days",
        "active_share": f"{value:.0%} of seats active this month",
        "active_share_3m": f"{value:.0%} of seats active over 3 months",
        "active_share_change_3m": f"seat activity changed by {value * 100:+.0f} points in 3 months",
        "sessions_per_active_user_3m": f"{value:.1f} sessions per active user a month",
    }
    return f"{texts.get(feature, f'{feature} is {value:g}')}: {signed}"


def explain(
    model: ChurnModel, x: FloatMatrix, top: int = 3
) -> tuple[FloatArray, list[list[tuple[str, float, str]]]]:
    """Calibrated probabilities and, per row, the `top` drivers (feature, points, sentence).

    Points add up to (probability − probability at the model's average): the TreeSHAP
    logit contributions are rescaled as in revlake.ml.explain.points_from_contributions.
    """
    if top < 1:
        raise InputError(f"top must be at least 1 (got {top})")
    contributions = model.contributions(x)
    bias, feature_c = contributions[:, -1], contributions[:, :-1]
    total = feature_c.sum(axis=1)
    p = model.calibration.apply(1.0 / (1.0 + np.exp(-(bias + total))))
    p0 = model.calibration.apply(1.0 / (1.0 + np.exp(-bias)))
    small = np.abs(total) < 1e-6
    scale = np.where(small, p * (1 - p), (p - p0) / np.where(small, 1.0, total))
    points = 100.0 * feature_c * scale[:, None]
    order = np.argsort(-np.abs(points), axis=1, kind="stable")[:, :top]
    drivers = [
        [
            (
                FEATURE_NAMES[j],
                float(points[r, j]),
                _sentence(FEATURE_NAMES[j], x[r, j], points[r, j]),
            )
            for j in order[r].tolist()
        ]
        for r in range(x.shape[0])
    ]
    return p, drivers


# ---------------------------------------------------------------------------- registry


def save_churn_model(
    root: Path, result: ChurnTrainResult, manifest: Mapping[str, Any], png: Path | None = None
) -> Path:
    """Write a version folder under `root` (model, calibration, evaluation, manifest).

    Written to a hidden folder and renamed into place, then LATEST is replaced: a reader
    never sees a half-written version (as revlake.ml.registry does for the win model).
    """

    def fill(tmp: Path, version: str) -> None:
        result.model.booster.save_model(str(tmp / "model.txt"))

        def dump(name: str, data: Mapping[str, Any]) -> None:
            text = json.dumps(data, indent=2, sort_keys=True) + "\n"
            (tmp / name).write_text(text, encoding="utf-8")

        dump("calibration.json", result.model.calibration.as_dict())
        dump("evaluation.json", result.evaluation)
        dump(
            "manifest.json",
            {
                **manifest,
                "version": version,
                "kind": "lightgbm",
                "features": list(FEATURE_NAMES),
                "horizon_months": result.model.horizon_months,
                "split": result.split,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            },
        )
        if png is not None:
            shutil.copyfile(png, tmp / "reliability.png")

    return write_version(root, fill)


def load_churn_model(root: Path, version: str | None = None) -> tuple[ChurnModel, dict[str, Any]]:
    """Load a version (default: LATEST); InputError when none or unknown."""
    import lightgbm as lgb

    if version is None:
        version = read_latest(root)
        if version is None:
            raise InputError(f"no trained churn model in {root}; run `revlake churn train` first")
    path = root / version
    if not version or "/" in version or not (path / "manifest.json").is_file():
        raise InputError(f"unknown churn model version {version!r} in {root}")
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        calibration = json.loads((path / "calibration.json").read_text(encoding="utf-8"))
        booster = lgb.Booster(model_file=str(path / "model.txt"))
    except (OSError, json.JSONDecodeError, lgb.basic.LightGBMError) as exc:
        raise RevlakeError(f"cannot load churn model {path}: {exc}") from exc
    if manifest.get("features") != list(FEATURE_NAMES):
        raise InputError(f"{path}: feature list does not match this revlake version")
    model = ChurnModel(
        booster, IsotonicCalibration.from_dict(calibration), int(manifest["horizon_months"])
    )
    return model, manifest
