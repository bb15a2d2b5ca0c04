"""The open deals as the models see them today: imputed age and the model's experience.

One definition of the open deals (`revlake.ml.deals.open_deal_indices`: every deal not
closed, with or without a created date) and one feature matrix for them, shared by
scoring (`revlake.ml.scoring`) and the forecast (`revlake.ml.forecast`):

- **Imputed age.** A deal without a created date (MavenTech's Prospecting deals have no
  engage date) is scored as a deal created on the as-of date: age 0, 0 days in its stage,
  no stage velocity — the creation-day question every training deal was asked at — and
  its close timing is that of a new deal. It is flagged `age_imputed`.
- **Outside the model's experience.** Each `EXPERIENCE_FEATURES` value (age, days in
  stage, amount) beyond the range of the rows the model learned from (`FeatureSpec.ranges`)
  is capped to that range in the matrix the win model scores (`scored`) and the feature is
  named in `outside`. Boosted trees already treat a value past the largest one they saw
  like that largest one, so the probability is what the model says about the oldest (or
  largest) deal it knows; the flag says so instead of pretending to know more. The
  close-timing model keeps the observed values: its training rows include the open deals'
  own (censored) history.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from revlake.ml.deals import NO_DATE, BoolArray, DealHistory, IntArray, open_deal_indices
from revlake.ml.features import FeatureSpec, FloatMatrix, compute_features, prepare

IMPUTED_AGE_DAYS = 0.0
OUTSIDE_EXPERIENCE = "outside the model's experience"

_UNITS = {"age_days": "days", "days_in_stage": "days", "amount": ""}
_LABELS = {"age_days": "age", "days_in_stage": "time in stage", "amount": "amount"}


@dataclass(frozen=True)
class OpenDealFeatures:
    """Features of the open deals at the as-of date (rows in `deals` order)."""

    deals: IntArray
    x: FloatMatrix  # observed values, the age imputed where there is no created date
    scored: FloatMatrix  # x with out-of-range values capped: what the win model scores
    age_imputed: BoolArray
    outside: list[tuple[str, ...]]  # per deal: the features beyond the training range

    def feature_notes(self, spec: FeatureSpec) -> list[dict[str, str]]:
        """Per deal, per feature outside the training range: what was observed, the range
        and the value scored, e.g. "age 302 days (the model learned from 0–135 days;
        scored as 135)"."""
        out: list[dict[str, str]] = []
        for row, names in enumerate(self.outside):
            parts: dict[str, str] = {}
            for name in names:
                lo, hi = spec.ranges[name]
                seen = float(self.x[row, spec.names.index(name)])
                unit = f" {_UNITS[name]}" if _UNITS[name] else ""
                parts[name] = (
                    f"{_LABELS[name]} {seen:,.0f}{unit} (the model learned from "
                    f"{lo:,.0f}–{hi:,.0f}{unit}; scored as {min(max(seen, lo), hi):,.0f})"
                )
            out.append(parts)
        return out

    def notes(self, spec: FeatureSpec) -> list[str | None]:
        """Per deal, one sentence naming what is outside the model's experience (or None)."""
        return [
            f"{OUTSIDE_EXPERIENCE}: " + "; ".join(parts.values()) if parts else None
            for parts in self.feature_notes(spec)
        ]


def impute_age(x: FloatMatrix, spec: FeatureSpec, no_created: BoolArray) -> FloatMatrix:
    """Rows without a created date as deals created today (age and time in stage 0)."""
    out = x.copy()
    names = spec.names
    rows = np.flatnonzero(no_created)
    out[rows, names.index("age_days")] = IMPUTED_AGE_DAYS
    in_stage = out[rows, names.index("days_in_stage")]
    out[rows, names.index("days_in_stage")] = np.where(np.isnan(in_stage), 0.0, in_stage)
    changes = out[rows, names.index("stage_changes")]
    out[rows, names.index("stage_velocity")] = changes * 30.0  # changes ÷ max(age, 1) × 30
    return out


def cap_to_experience(
    x: FloatMatrix, spec: FeatureSpec
) -> tuple[FloatMatrix, list[tuple[str, ...]]]:
    """`x` with each ranged feature clipped to its training range, and per row the names
    of the features that were outside it."""
    capped = x.copy()
    flags = np.zeros((x.shape[0], len(spec.ranges)), dtype=bool)
    names = list(spec.ranges)
    for k, name in enumerate(names):
        lo, hi = spec.ranges[name]
        j = spec.names.index(name)
        column = x[:, j]
        flags[:, k] = np.isfinite(column) & ((column < lo) | (column > hi))
        capped[:, j] = np.where(np.isfinite(column), np.clip(column, lo, hi), column)
    outside = [tuple(n for n, f in zip(names, row, strict=True) if f) for row in flags.tolist()]
    return capped, outside


def open_deal_features(history: DealHistory, spec: FeatureSpec) -> OpenDealFeatures:
    """The open deals' features as of the history's date, imputed and capped."""
    deals = open_deal_indices(history)
    x = compute_features(prepare(history, spec), deals, np.full(deals.size, history.as_of))
    no_created: NDArray[np.bool_] = history.created[deals] == NO_DATE
    x = impute_age(x, spec, no_created)
    scored, outside = cap_to_experience(x, spec)
    return OpenDealFeatures(
        deals=deals, x=x, scored=scored, age_imputed=no_created, outside=outside
    )
