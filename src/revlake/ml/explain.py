"""Per-deal explanations: exact TreeSHAP contributions turned into signed points and sentences.

LightGBM's `pred_contrib=True` gives, per deal, one contribution per feature in logit
space plus the bias (the model's average logit); they add up exactly to the deal's raw
logit. Readers think in probability points, so the contributions are rescaled to points
that add up to (calibrated win probability − calibrated probability at the bias):
points_j = 100 × c_j × (p − p₀) ÷ Σc. When Σc is nearly zero (the deal sits at the
average) the local slope p(1 − p) is used instead. Each driver gets a plain sentence
that compares the deal with the typical *won* deal where that helps ("has been in
Proposal 3.1× longer than won deals usually are (45 vs 14 days): −9 points").

Global importance is the mean |contribution| per feature over a set of deals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from revlake.errors import InputError
from revlake.ml.features import FeatureSpec, FloatMatrix
from revlake.ml.win import IsotonicCalibration, LightGbmWinModel

_LABELS = {
    "stage": "stage",
    "source": "source system",
    "product": "product",
    "plan": "plan",
    "segment": "segment",
    "channel": "channel",
    "age_days": "age",
    "days_in_stage": "time in current stage",
    "stage_changes": "stage changes",
    "stage_velocity": "stage velocity",
    "amount": "amount",
    "amount_percentile": "amount percentile",
    "rep_win_rate": "rep's win rate",
    "rep_closed_deals": "rep's closed deals",
    "account_win_rate": "account's win rate",
    "account_closed_deals": "account's closed deals",
}


_DAYS = frozenset({"age_days", "days_in_stage"})
_SHARES = frozenset({"rep_win_rate", "account_win_rate", "amount_percentile"})


def feature_label(feature: str) -> str:
    """A model feature as people read it ("time in current stage" for days_in_stage)."""
    return _LABELS.get(feature, feature.replace("_", " "))


def driver_label(feature: str, value: str | None) -> str:
    """A driver as a chart names it: the feature's label and its value in its unit
    ("time in current stage: 67 days", "rep's win rate: 35%", "segment: enterprise")."""
    label = feature_label(feature)
    if value is None or value == "":
        return label
    try:
        number = float(value)
    except ValueError:
        return f"{label}: {value}"
    if feature in _DAYS:
        return f"{label}: {number:,.0f} days"
    if feature in _SHARES:
        return f"{label}: {number:.0%}"
    digits = _SHOWN_DIGITS.get(feature, 2)
    return f"{label}: {number:,.{digits}f}"


@dataclass(frozen=True)
class Reference:
    """Typical values of won deals in the training snapshots (for sentences and risk)."""

    won_days_in_stage: Mapping[str, float]  # median days in stage of won deals, per stage
    won_age_days: float  # median age at which won deals were won (training: stage_time)
    won_amount: float
    win_rate: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "won_days_in_stage": dict(self.won_days_in_stage),
            "won_age_days": self.won_age_days,
            "won_amount": self.won_amount,
            "win_rate": self.win_rate,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reference:
        try:
            return cls(
                won_days_in_stage={str(k): float(v) for k, v in data["won_days_in_stage"].items()},
                won_age_days=float(data["won_age_days"]),
                won_amount=float(data["won_amount"]),
                win_rate=float(data["win_rate"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(f"bad reference statistics in the model: {exc}") from exc

    @classmethod
    def from_training(cls, x: FloatMatrix, label: NDArray[np.int8], spec: FeatureSpec) -> Reference:
        names = spec.names
        won = x[label == 1]
        stage = won[:, names.index("stage")]
        days = won[:, names.index("days_in_stage")]
        per_stage: dict[str, float] = {}
        for code, stage_name in enumerate(spec.vocabularies["stage"]):
            values = days[(stage == code) & ~np.isnan(days)]
            if values.size:
                per_stage[stage_name] = float(np.median(values))

        def median(column: str) -> float:
            values = won[:, names.index(column)]
            values = values[~np.isnan(values)]
            return float(np.median(values)) if values.size else float("nan")

        return cls(
            won_days_in_stage=per_stage,
            won_age_days=median("age_days"),
            won_amount=median("amount"),
            win_rate=float(label.mean()) if label.size else float("nan"),
        )

    def typical_days(self, spec: FeatureSpec, stage_code: float) -> float:
        if np.isnan(stage_code):
            return float("nan")
        name = spec.vocabularies["stage"][int(stage_code)]
        return self.won_days_in_stage.get(name, float("nan"))


@dataclass(frozen=True)
class Driver:
    """One feature's signed effect on a deal's win probability."""

    feature: str
    value: float | str | None
    points: float  # percentage points of win probability
    logit: float  # raw TreeSHAP contribution
    sentence: str


class Calibrated(Protocol):
    """A model whose raw probability is mapped by a calibration (win, tabular models)."""

    calibration: IsotonicCalibration


def points_from_contributions(
    contributions: FloatMatrix, model: Calibrated
) -> tuple[FloatMatrix, NDArray[np.float64]]:
    """Probability points per feature (rows × features) and the calibrated probabilities."""
    bias = contributions[:, -1]
    feature_c = contributions[:, :-1]
    total = feature_c.sum(axis=1)
    p = model.calibration.apply(1.0 / (1.0 + np.exp(-(bias + total))))
    p0 = model.calibration.apply(1.0 / (1.0 + np.exp(-bias)))
    small = np.abs(total) < 1e-6
    scale = np.where(small, p * (1 - p), (p - p0) / np.where(small, 1.0, total))
    return 100.0 * feature_c * scale[:, None], p


def _fmt_days(value: float) -> str:
    return f"{value:,.0f} day" + ("" if round(value) == 1 else "s")


def _category(spec: FeatureSpec, name: str, value: float) -> str:
    if np.isnan(value):
        return "unknown"
    vocab = spec.vocabularies[name]
    code = int(value)
    return vocab[code] if 0 <= code < len(vocab) else "unknown"


def signed_points(points: float) -> str:
    """'+9 points' / '−9 points' (a typographic minus; −0.4 reads '+0 points')."""
    return f"{round(points):+d} points".replace("-", "−")


def sentence(
    feature: str,
    value: float,
    points: float,
    row: NDArray[np.float64],
    spec: FeatureSpec,
    reference: Reference,
) -> str:
    """A plain sentence for one driver, ending in its signed points."""
    signed = signed_points(points)
    names = spec.names
    if feature in ("stage", "source", "product", "plan", "segment", "channel"):
        return f"{_LABELS[feature]} is {_category(spec, feature, value)}: {signed}"
    if np.isnan(value):
        return f"{_LABELS[feature]} is unknown: {signed}"
    if feature == "days_in_stage":
        stage_code = row[names.index("stage")]
        stage = _category(spec, "stage", stage_code)
        typical = reference.typical_days(spec, stage_code)
        if np.isfinite(typical) and typical > 0 and value < 1:
            return (
                f"deal entered {stage} today (won deals are usually "
                f"{_fmt_days(typical)} in): {signed}"
            )
        if np.isfinite(typical) and typical > 0:
            ratio = value / typical
            relation = (
                f"{ratio:.1f}× longer than"
                if ratio >= 1.15
                else f"{1 / ratio:.1f}× shorter than"
                if ratio <= 0.87
                else "about as long as"
            )
            return (
                f"deal has been in {stage} {relation} won deals usually are "
                f"({_fmt_days(value)} vs {_fmt_days(typical)}): {signed}"
            )
        return f"deal has been in {stage} for {_fmt_days(value)}: {signed}"
    if feature == "age_days":
        typical = reference.won_age_days
        extra = (
            f" (won deals were won at a median age of {_fmt_days(typical)})"
            if np.isfinite(typical)
            else ""
        )
        return f"deal is {_fmt_days(value)} old{extra}: {signed}"
    if feature == "amount":
        return f"amount is {value:,.0f} (typical won deal: {reference.won_amount:,.0f}): {signed}"
    if feature == "amount_percentile":
        return f"amount is larger than {100 * value:.0f}% of open deals: {signed}"
    if feature in ("rep_win_rate", "account_win_rate"):
        who = "rep" if feature == "rep_win_rate" else "account"
        count = row[names.index(f"{who}_closed_deals")]
        return (
            f"{who}'s win rate so far is {100 * value:.0f}% over {count:.0f} closed "
            f"deal{'' if round(count) == 1 else 's'} "
            f"(company: {100 * reference.win_rate:.0f}%): {signed}"
        )
    if feature in ("rep_closed_deals", "account_closed_deals"):
        who = "rep" if feature == "rep_closed_deals" else "account"
        return (
            f"{who} has closed {value:.0f} deal{'' if round(value) == 1 else 's'} before: {signed}"
        )
    if feature == "stage_changes":
        return f"deal has changed stage {value:.0f} times: {signed}"
    if feature == "stage_velocity":
        return f"deal moves {value:.1f} stages per 30 days: {signed}"
    return f"{_LABELS.get(feature, feature)} is {value:g}: {signed}"


def _display_value(feature: str, value: float, spec: FeatureSpec) -> float | str | None:
    if feature in spec.vocabularies:
        return _category(spec, feature, value)
    return None if np.isnan(value) else float(value)


@dataclass(frozen=True)
class DriverTable:
    """The top drivers of many rows as arrays (rows × top), strongest first."""

    feature: list[list[str]]
    value: list[list[str | None]]
    points: FloatMatrix
    logit: FloatMatrix
    sentence: list[list[str]]
    probability: NDArray[np.float64]


# the precision a sentence shows each numeric feature with: sentences are cached on the
# shown value, so 100,000 deals cost a few thousand sentence renderings
_SHOWN_DIGITS = {
    "age_days": 0,
    "days_in_stage": 0,
    "stage_changes": 0,
    "stage_velocity": 1,
    "amount": 0,
    "amount_percentile": 2,
    "rep_win_rate": 2,
    "rep_closed_deals": 0,
    "account_win_rate": 2,
    "account_closed_deals": 0,
}
_CONTEXT = {
    "days_in_stage": "stage",
    "rep_win_rate": "rep_closed_deals",
    "account_win_rate": "account_closed_deals",
}


def explain_matrix(
    model: LightGbmWinModel, x: FloatMatrix, reference: Reference, top: int = 5
) -> DriverTable:
    """The `top` drivers (largest |points|) of each row, with sentences."""
    if top < 1:
        raise InputError(f"top must be at least 1 (got {top})")
    spec = model.spec
    names = spec.names
    contributions = model.contributions(x)
    points, p = points_from_contributions(contributions, model)
    top = min(top, len(names))
    order = np.argsort(-np.abs(points), axis=1, kind="stable")[:, :top]
    rows = np.arange(x.shape[0])[:, None]
    top_points = points[rows, order]
    top_values = x[rows, order]
    # one key per driver: (feature, value as shown, context, rounded points); a sentence
    # is rendered once per distinct key
    digits = np.array([_SHOWN_DIGITS.get(name, -1) for name in names])[order]
    scale = 10.0 ** np.maximum(digits, 0)
    shown_values = np.where(digits >= 0, np.round(top_values * scale) / scale, top_values)
    context = np.zeros(order.shape)
    for feature, column in _CONTEXT.items():
        mask = order == names.index(feature)
        context[mask] = np.broadcast_to(x[:, names.index(column)][:, None], order.shape)[mask]
    rounded = np.round(top_points)
    keys = np.stack([order.astype(np.float64), shown_values, context, rounded], axis=-1).reshape(
        -1, 4
    )
    keys = np.where(np.isnan(keys), -np.inf, keys)  # NaN never equals itself
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    rendered: list[str] = []
    displayed: list[str | None] = []
    for j, value, ctx, pt in unique.tolist():
        feature = names[int(j)]
        value = float("nan") if value == -np.inf else value
        context_row = np.full(len(names), np.nan)
        if feature in _CONTEXT:
            context_row[names.index(_CONTEXT[feature])] = np.nan if ctx == -np.inf else ctx
        rendered.append(sentence(feature, value, pt, context_row, spec, reference))
        display = _display_value(feature, value, spec)
        displayed.append(None if display is None else str(display))
    inverse = np.asarray(inverse).reshape(order.shape)
    name_array = np.array(names, dtype=object)
    features = name_array[order].tolist()
    shown = np.array(displayed, dtype=object)[inverse].tolist()
    sentences = np.array(rendered, dtype=object)[inverse].tolist()
    return DriverTable(
        feature=features,
        value=shown,
        points=top_points,
        logit=contributions[rows, order],
        sentence=sentences,
        probability=p,
    )


def explain_rows(
    model: LightGbmWinModel, x: FloatMatrix, reference: Reference, top: int = 5
) -> list[list[Driver]]:
    """The `top` drivers (largest |points|) of each row, strongest first, as objects."""
    table = explain_matrix(model, x, reference, top)
    spec = model.spec
    return [
        [
            Driver(
                feature=feature,
                value=_display_value(feature, float(x[r, spec.names.index(feature)]), spec),
                points=float(table.points[r, k]),
                logit=float(table.logit[r, k]),
                sentence=table.sentence[r][k],
            )
            for k, feature in enumerate(table.feature[r])
        ]
        for r in range(x.shape[0])
    ]


def global_importance(model: LightGbmWinModel, x: FloatMatrix) -> dict[str, float]:
    """Mean |TreeSHAP contribution| (logit) per feature, largest first."""
    if x.shape[0] == 0:
        raise InputError("no rows to compute importance on")
    contributions = model.contributions(x)[:, :-1]
    mean_abs = np.abs(contributions).mean(axis=0)
    pairs = sorted(zip(model.spec.names, mean_abs.tolist(), strict=True), key=lambda kv: -kv[1])
    return {name: float(v) for name, v in pairs}
