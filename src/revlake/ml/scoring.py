"""Scoring open deals: win probability, top drivers and risk, as rows for the gold tables.

`score_history` scores every deal that is open at the history's as-of date with a
registered model. The rows become `gold.ml_deal_scores` (one row per open deal) and
`gold.ml_deal_explanations` (one row per open deal per driver, strongest first).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import chain

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from revlake.ml.deals import DealHistory, day_date
from revlake.ml.explain import DriverTable, explain_matrix, signed_points
from revlake.ml.features import FeatureSpec, FloatMatrix
from revlake.ml.open_deals import OUTSIDE_EXPERIENCE, OpenDealFeatures, open_deal_features
from revlake.ml.registry import RegisteredModel
from revlake.ml.risk import relative_categories, risk_scores
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


IMPUTED_AGE_SENTENCES = {
    "age_days": "no created date in the CRM: scored as a deal created today (age 0)",
    "days_in_stage": "no created date in the CRM: scored as 0 days in its stage",
}


def restated_features(features: OpenDealFeatures, spec: FeatureSpec) -> list[dict[str, str]]:
    """Per deal, the drivers whose sentence must say what was scored instead of what was
    observed: features outside the model's experience, and the imputed age."""
    restated: list[dict[str, str]] = []
    for parts, imputed in zip(features.feature_notes(spec), features.age_imputed, strict=True):
        phrases = {name: f"{text}, {OUTSIDE_EXPERIENCE}" for name, text in parts.items()}
        if imputed:
            phrases = {**IMPUTED_AGE_SENTENCES, **phrases}
        restated.append(phrases)
    return restated


def restate_drivers(drivers: DriverTable, phrases: list[dict[str, str]]) -> DriverTable:
    """Drivers named in `phrases` get that phrase, with their signed points, as sentence."""
    sentences = [
        [
            f"{parts[feature]}: {signed_points(float(points))}" if feature in parts else text
            for feature, text, points in zip(features, texts, row, strict=True)
        ]
        for features, texts, row, parts in zip(
            drivers.feature, drivers.sentence, drivers.points, phrases, strict=True
        )
    ]
    return replace(drivers, sentence=sentences)


def score_history(
    registered: RegisteredModel, history: DealHistory, top: int = TOP_DRIVERS, explain: bool = True
) -> ScoredDeals:
    """Score, explain and rate the risk of every open deal as of the history's date.

    `explain=False` skips the TreeSHAP drivers (the explanations table is then empty).
    """
    model = registered.model
    features = open_deal_features(history, model.spec)
    deals = features.deals
    x = features.scored
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
    notes = features.notes(model.spec)
    drivers = restate_drivers(drivers, restated_features(features, model.spec))
    names = model.spec.names
    stage_codes = x[:, names.index("stage")]
    vocab = model.spec.vocabularies["stage"]
    typical_by_code = np.array(
        [registered.reference.won_days_in_stage.get(name, np.nan) for name in vocab] + [np.nan]
    )
    typical = typical_by_code[np.where(np.isnan(stage_codes), len(vocab), stage_codes).astype(int)]
    amount = history.amount[deals]
    observed = features.x  # risk and the deal page show what was observed, not the cap
    risk = relative_categories(
        risk_scores(
            p,
            amount,
            observed[:, names.index("amount_percentile")],
            observed[:, names.index("days_in_stage")],
            typical,
        )
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
                observed[:, names.index("days_in_stage")],
                pa.float64(),
                mask=np.isnan(observed[:, names.index("days_in_stage")]),
            ),
            "age_days": pa.array(
                observed[:, names.index("age_days")],
                pa.float64(),
                mask=np.isnan(observed[:, names.index("age_days")]),
            ),
            "age_imputed": pa.array(features.age_imputed.tolist(), pa.bool_()),
            "outside_experience": pa.array(
                [",".join(names_out) or None for names_out in features.outside], pa.string()
            ),
            "experience_note": pa.array(notes, pa.string()),
            "typical_days_in_stage_won": pa.array(typical, pa.float64(), mask=np.isnan(typical)),
            "stagnation": pa.array(np.round(risk.stagnation, 4), pa.float64()),
            "risk_score": pa.array(risk.score, pa.float64()),
            "risk_category": pa.array(risk.category, pa.string()),
            "risk_percentile": pa.array(np.round(risk.percentile, 1), pa.float64()),
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
