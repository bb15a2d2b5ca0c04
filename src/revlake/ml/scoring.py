"""Scoring open deals: win probability, top drivers and risk, as rows for the gold tables.

`score_history` scores every deal that is open at the history's as-of date with a
registered model. The rows become `gold.ml_deal_scores` (one row per open deal) and
`gold.ml_deal_explanations` (one row per open deal per driver, strongest first).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from revlake.ml.deals import DealHistory, day_date
from revlake.ml.explain import DriverTable, explain_matrix, signed_points
from revlake.ml.features import FeatureSpec, FloatMatrix, compute_features, prepare
from revlake.ml.registry import RegisteredModel
from revlake.ml.risk import risk_scores
from revlake.ml.win import LightGbmWinModel

TOP_DRIVERS = 5


@dataclass(frozen=True)
class ScoredDeals:
    """Arrow tables ready to be written, plus totals for the CLI."""

    scores: pa.Table
    explanations: pa.Table
    open_deals: int
    at_risk_amount: float
    open_amount: float
    categories: dict[str, int]


def open_deal_indices(history: DealHistory) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Deals not closed at the as-of date (including those without a creation date)."""
    return np.flatnonzero(~history.is_closed).astype(np.int64)


def _stage_rate_drivers(
    registered: RegisteredModel, spec: FeatureSpec, x: FloatMatrix, p: NDArray[np.float64]
) -> DriverTable:
    """One driver per deal for the stage-rate model: its stage's rate against the overall."""
    overall = registered.reference.win_rate
    stages = x[:, spec.names.index("stage")]
    features: list[list[str]] = []
    values: list[list[str | None]] = []
    sentences: list[list[str]] = []
    points: list[list[float]] = []
    for code, prob in zip(stages.tolist(), p.tolist(), strict=True):
        name = "unknown" if code != code else spec.vocabularies["stage"][int(code)]
        pts = 100.0 * (prob - overall)
        signed = signed_points(pts)
        features.append(["stage"])
        values.append([name])
        points.append([pts])
        sentences.append(
            [
                f"deals in {name} have been won {100 * prob:.0f}% of the time "
                f"(all deals: {100 * overall:.0f}%): {signed}"
            ]
        )
    shape = (len(features), 1)
    return DriverTable(
        feature=features,
        value=values,
        points=np.asarray(points, dtype=np.float64).reshape(shape),
        logit=np.zeros(shape),
        sentence=sentences,
        probability=p,
    )


def score_history(
    registered: RegisteredModel, history: DealHistory, top: int = TOP_DRIVERS, explain: bool = True
) -> ScoredDeals:
    """Score, explain and rate the risk of every open deal as of the history's date.

    `explain=False` skips the TreeSHAP drivers (the explanations table is then empty).
    """
    model = registered.model
    ctx = prepare(history, model.spec)
    deals = open_deal_indices(history)
    days = np.full(deals.size, history.as_of, dtype=np.int64)
    x = compute_features(ctx, deals, days)
    p = model.predict(x) if deals.size else np.zeros(0)
    drivers: DriverTable
    if not explain or not deals.size:
        empty = np.zeros((deals.size, 0))
        drivers = DriverTable(
            [[] for _ in deals], [[] for _ in deals], empty, empty, [[] for _ in deals], p
        )
    elif isinstance(model, LightGbmWinModel):
        drivers = explain_matrix(model, x, registered.reference, top=top)
    else:
        drivers = _stage_rate_drivers(registered, model.spec, x, p)
    names = model.spec.names
    stage_codes = x[:, names.index("stage")]
    vocab = model.spec.vocabularies["stage"]
    typical_by_code = np.array(
        [registered.reference.won_days_in_stage.get(name, np.nan) for name in vocab] + [np.nan]
    )
    typical = typical_by_code[np.where(np.isnan(stage_codes), len(vocab), stage_codes).astype(int)]
    amount = history.amount[deals]
    risk = risk_scores(
        p,
        amount,
        x[:, names.index("amount_percentile")],
        x[:, names.index("days_in_stage")],
        typical,
    )
    ids = history.opportunity_id[deals].tolist()
    as_of = day_date(history.as_of)
    version = registered.version
    scores = pa.table(
        {
            "opportunity_id": pa.array(ids, pa.string()),
            "source_system": pa.array(history.categoricals["source"][deals].tolist(), pa.string()),
            "as_of_date": pa.array([as_of] * deals.size, pa.date32()),
            "stage_name": pa.array(history.stage_name[deals].tolist(), pa.string()),
            "amount_rc": pa.array(amount, pa.float64(), mask=np.isnan(amount)),
            "win_probability": pa.array(np.round(p, 4), pa.float64()),
            "loss_probability": pa.array(np.round(1 - p, 4), pa.float64()),
            "days_in_stage": pa.array(
                x[:, names.index("days_in_stage")],
                pa.float64(),
                mask=np.isnan(x[:, names.index("days_in_stage")]),
            ),
            "typical_days_in_stage_won": pa.array(typical, pa.float64(), mask=np.isnan(typical)),
            "stagnation": pa.array(np.round(risk.stagnation, 4), pa.float64()),
            "risk_score": pa.array(risk.score, pa.float64()),
            "risk_category": pa.array(risk.category, pa.string()),
            "suggested_action": pa.array(risk.action, pa.string()),
            "at_risk_amount_rc": pa.array(np.round(risk.at_risk_amount, 2), pa.float64()),
            "top_driver": pa.array([d[0] if d else None for d in drivers.sentence], pa.string()),
            "model_kind": pa.array([model.kind] * deals.size, pa.string()),
            "model_version": pa.array([version] * deals.size, pa.string()),
        }
    )
    per_deal = drivers.points.shape[1]
    count = deals.size * per_deal
    explanations = pa.table(
        {
            "opportunity_id": pa.array(
                np.repeat(np.asarray(ids, dtype=object), per_deal), pa.string()
            ),
            "driver_rank": pa.array(np.tile(np.arange(1, per_deal + 1), deals.size), pa.int32()),
            "feature": pa.array(list(chain.from_iterable(drivers.feature)), pa.string()),
            "feature_value": pa.array(list(chain.from_iterable(drivers.value)), pa.string()),
            "points": pa.array(np.round(drivers.points.reshape(-1), 2), pa.float64()),
            "logit_contribution": pa.array(np.round(drivers.logit.reshape(-1), 5), pa.float64()),
            "sentence": pa.array(list(chain.from_iterable(drivers.sentence)), pa.string()),
            "model_version": pa.array([version] * count, pa.string()),
        }
    )
    categories = {c: risk.category.count(c) for c in ("critical", "high", "medium", "low")}
    return ScoredDeals(
        scores=scores,
        explanations=explanations,
        open_deals=int(deals.size),
        at_risk_amount=float(np.nansum(risk.at_risk_amount)),
        open_amount=float(np.nansum(amount)),
        categories=categories,
    )
