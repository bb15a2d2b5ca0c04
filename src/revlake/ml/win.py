"""Win probability: LightGBM + isotonic calibration, or empirical stage win rates.

`fit_win_model` trains gradient-boosted trees on the training snapshots (binary log loss,
early stopping on the validation fold) and fits an isotonic map from the raw probability
to the observed win rate on the validation fold, which is later in time than the training
fold — so calibration also absorbs drift between the two periods. With too little history
(`too_little_history`) the model is `StageRateModel`: the win rate of training snapshots
per stage, shrunk toward the overall rate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from revlake.errors import InputError
from revlake.ml.features import FeatureSpec, FloatMatrix

MIN_WON = 50
MIN_LOST = 150
STAGE_PRIOR_WEIGHT = 10.0

DEFAULT_PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.04,
    "num_leaves": 15,
    "max_depth": 4,  # shallow trees: TreeSHAP cost grows with depth² (−40% time, same AUC)
    "min_data_in_leaf": 40,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.9,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "cat_smooth": 20.0,
    "min_data_per_group": 50,
    "max_cat_to_onehot": 8,
    "verbose": -1,
    # one thread: on a shared 2-core machine OpenMP threads that spin-wait made training
    # ~10× slower (0.9 s vs 8.4 s for 3,000 snapshots, measured); results are identical
    "num_threads": 1,
    "deterministic": True,
    "force_row_wise": True,
    "seed": 7,
}
PREDICT_THREADS = 1
GROUPED_SHAP_ROWS = 256  # from this many rows, TreeSHAP per decision pattern (treeshap.py)
MAX_ROUNDS = 600
EARLY_STOPPING = 40

FloatArray = NDArray[np.float64]


def too_little_history(won: int, lost: int) -> str | None:
    """The reason to fall back to stage rates, or None when there is enough history."""
    if won < MIN_WON or lost < MIN_LOST:
        return (
            f"too little history for a win model: {won} won and {lost} lost closed deals "
            f"(need at least {MIN_WON} won and {MIN_LOST} lost); using the empirical win "
            f"rate of each stage instead"
        )
    return None


@dataclass(frozen=True)
class IsotonicCalibration:
    """A monotone piecewise-linear map from raw probability to calibrated probability."""

    x: tuple[float, ...]
    y: tuple[float, ...]

    @classmethod
    def fit(cls, raw: FloatArray, outcome: NDArray[np.int8]) -> IsotonicCalibration:
        from sklearn.isotonic import IsotonicRegression

        if raw.size == 0:
            raise InputError("no validation rows to calibrate on")
        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
        target = outcome.astype(np.float64)
        iso.fit(raw, target)
        x = np.asarray(iso.X_thresholds_, dtype=np.float64)
        y = np.asarray(iso.y_thresholds_, dtype=np.float64)
        # Laplace-smooth each isotonic block ((wins + 1) ÷ (deals + 2)): a small block of
        # all losses would otherwise map to exactly 0, and one surprise win costs a fortune
        # in log loss; the running maximum keeps the map monotone
        fitted = np.asarray(iso.predict(raw), dtype=np.float64)
        levels, inverse = np.unique(fitted, return_inverse=True)
        wins = np.bincount(inverse, weights=target, minlength=levels.size)
        counts = np.bincount(inverse, minlength=levels.size)
        smoothed = (wins + 1.0) / (counts + 2.0)
        index = np.clip(np.searchsorted(levels, y), 0, levels.size - 1)
        exact = np.isclose(levels[index], y)
        y = np.maximum.accumulate(np.where(exact, smoothed[index], y))
        return cls(x=tuple(x.tolist()), y=tuple(y.tolist()))

    def apply(self, raw: FloatArray) -> FloatArray:
        # keep a hair away from 0 and 1: an empty-bin plateau at 0 would make log loss infinite
        out = np.interp(raw, np.asarray(self.x), np.asarray(self.y))
        clipped: FloatArray = np.clip(out, 1e-4, 1 - 1e-4)
        return clipped

    def as_dict(self) -> dict[str, list[float]]:
        return {"x": list(self.x), "y": list(self.y)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IsotonicCalibration:
        x, y = data.get("x"), data.get("y")
        if not isinstance(x, list) or not isinstance(y, list) or len(x) != len(y) or not x:
            raise InputError("calibration needs equal, non-empty lists 'x' and 'y'")
        return cls(x=tuple(float(v) for v in x), y=tuple(float(v) for v in y))


@dataclass
class LightGbmWinModel:
    """Gradient-boosted trees plus an isotonic calibration map."""

    booster: Any  # lightgbm.Booster (untyped library)
    calibration: IsotonicCalibration
    spec: FeatureSpec
    kind: str = "lightgbm"

    def raw_logit(self, x: FloatMatrix) -> FloatArray:
        # the thread count is passed on every call: without it LightGBM starts an OpenMP
        # team per call, which cost ~18 ms for one row on the shared machine (0.3 ms with it)
        out = self.booster.predict(x, raw_score=True, num_threads=PREDICT_THREADS)
        return np.asarray(out, dtype=np.float64)

    def raw_probability(self, x: FloatMatrix) -> FloatArray:
        return 1.0 / (1.0 + np.exp(-self.raw_logit(x)))

    def predict(self, x: FloatMatrix) -> FloatArray:
        """Calibrated win probability per row."""
        return self.calibration.apply(self.raw_probability(x))

    def contributions(self, x: FloatMatrix) -> FloatMatrix:
        """Exact TreeSHAP contributions in logit space: columns = features + bias (last)."""
        if x.shape[0] >= GROUPED_SHAP_ROWS:
            from revlake.ml.treeshap import tree_contributions

            return tree_contributions(self.booster, x, num_threads=PREDICT_THREADS)
        out = self.booster.predict(x, pred_contrib=True, num_threads=PREDICT_THREADS)
        return np.asarray(out, dtype=np.float64)


@dataclass
class StageRateModel:
    """Empirical win rate per stage (the low-data fallback and a baseline)."""

    rates: dict[str, float]
    overall: float
    spec: FeatureSpec
    counts: dict[str, int] = field(default_factory=dict)
    kind: str = "stage_rates"

    @classmethod
    def fit(cls, x: FloatMatrix, label: NDArray[np.int8], spec: FeatureSpec) -> StageRateModel:
        if label.size == 0:
            raise InputError("no training rows for the stage win rates")
        overall = float(label.mean())
        stages = x[:, spec.names.index("stage")]
        vocab = spec.vocabularies["stage"]
        rates: dict[str, float] = {}
        counts: dict[str, int] = {}
        for code, name in enumerate(vocab):
            rows = stages == code
            n = int(rows.sum())
            if n:
                won = float(label[rows].sum())
                rates[name] = (won + STAGE_PRIOR_WEIGHT * overall) / (n + STAGE_PRIOR_WEIGHT)
                counts[name] = n
        return cls(rates=rates, overall=overall, spec=spec, counts=counts)

    def predict(self, x: FloatMatrix) -> FloatArray:
        stages = x[:, self.spec.names.index("stage")]
        vocab = self.spec.vocabularies["stage"]
        table = np.array([self.rates.get(name, self.overall) for name in vocab] + [self.overall])
        codes = np.where(np.isnan(stages), len(vocab), stages).astype(np.int64)
        clipped: FloatArray = np.clip(table[codes], 1e-4, 1 - 1e-4)
        return clipped


WinModel = LightGbmWinModel | StageRateModel


def fit_lightgbm(
    x_train: FloatMatrix,
    y_train: NDArray[np.int8],
    x_valid: FloatMatrix,
    y_valid: NDArray[np.int8],
    spec: FeatureSpec,
    params: Mapping[str, Any] | None = None,
) -> LightGbmWinModel:
    """Boosted trees on the training fold, early-stopped and calibrated on the validation fold."""
    import lightgbm as lgb

    if len(np.unique(y_train)) < 2 or len(np.unique(y_valid)) < 2:
        raise InputError("training and validation folds both need won and lost deals")
    merged = {**DEFAULT_PARAMS, **(params or {})}
    cats = spec.categorical_indices
    train = lgb.Dataset(
        x_train,
        label=y_train,
        feature_name=list(spec.names),
        categorical_feature=cats,
        free_raw_data=False,
    )
    valid = lgb.Dataset(x_valid, label=y_valid, reference=train)
    booster = lgb.train(
        merged,
        train,
        num_boost_round=MAX_ROUNDS,
        valid_sets=[valid],
        callbacks=[lgb.early_stopping(EARLY_STOPPING, verbose=False)],
    )
    raw_valid = 1.0 / (
        1.0 + np.exp(-np.asarray(booster.predict(x_valid, raw_score=True, num_threads=1)))
    )
    calibration = IsotonicCalibration.fit(raw_valid, y_valid)
    return LightGbmWinModel(booster=booster, calibration=calibration, spec=spec)
