"""The win model for opportunities without dates: one row per closed deal, stratified split.

A win/loss table (an outcome and attributes, no created or close dates) cannot give the
time-ordered snapshots of revlake.ml.training. When fewer than `MIN_DATED` closed deals,
or fewer than half of them, have valid dates (`needs_tabular`), `revlake train` trains
this model instead (revlake.ml.tabular): one row per closed deal, the standard columns
of gold.fct_pipeline and gold.dim_customer that carry information plus every feature
column the workspace layout declared (`features`, a JSON object in gold.fct_pipeline),
stratified 5-fold cross-validation beside the same-run baseline.

Left out because they record the outcome: the stage (for a closed deal it is "won" or
"lost"), the closed flag, the probability and the dates.

Open deals are scored with the same columns (`score_open_deals`): win probability, risk
(revlake.ml.risk; no stagnation term, since there are no stage dates) and the top
drivers (exact TreeSHAP in probability points, revlake.ml.explain, with a short
sentence: "route to market is Reseller: +12 points").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from revlake.errors import InputError, RevlakeError
from revlake.ml.deals import MODEL_AMOUNT_SQL, DealHistory
from revlake.ml.explain import points_from_contributions, signed_points
from revlake.ml.risk import relative_categories, risk_scores
from revlake.ml.scoring import ScoredDeals
from revlake.ml.tabular import (
    Column,
    FloatMatrix,
    TabularModel,
    TabularResult,
    parse_features,
    train_tabular,
)
from revlake.ml.training import labelled_deals
from revlake.reader import open_build

MODEL_FAMILY = "win_tabular"
MIN_DATED = 10
TOP_DRIVERS = 5
# standard columns of the model (gold name → model column); the account only in the
# baseline (an id: one value per deal in most win/loss tables)
STANDARD_COLUMNS = (
    "source",
    "product",
    "plan",
    "segment",
    "channel",
    "rep",
    "industry",
    "employees",
    "country",
    "amount",
)
BASELINE_ONLY = ("account",)

_SQL = f"""
select
  p.opportunity_id, p.source_system as source, p.product_key as product, p.plan_name as plan,
  c.segment, p.channel_key as channel, p.rep_key as rep, c.industry, c.employees,
  c.location_key as country,
  {MODEL_AMOUNT_SQL} as amount,
  p.customer_key as account, p.is_closed, p.is_won, p.stage_name, p.as_of_date, p.features
from gold.fct_pipeline as p
left join gold.dim_customer as c on c.customer_key = p.customer_key
order by p.opportunity_id
"""


def needs_tabular(history: DealHistory) -> bool:
    """True when too few closed deals have dates for the time-ordered win model."""
    closed = int(history.is_closed.sum())
    dated = int(labelled_deals(history).size)
    return closed > 0 and (dated < MIN_DATED or dated < closed / 2)


@dataclass(frozen=True)
class DealTable:
    """Every deal of a build, one row each: columns by model name, outcome and status."""

    opportunity_id: list[str]
    columns: dict[str, list[object]]
    feature_names: tuple[str, ...]
    is_closed: np.ndarray[Any, np.dtype[np.bool_]]
    is_won: np.ndarray[Any, np.dtype[np.bool_]]
    stage_name: list[object]
    as_of: date | None

    def subset(self, rows: Sequence[int]) -> dict[str, list[object]]:
        return {name: [values[i] for i in rows] for name, values in self.columns.items()}


def load_deal_table(con: duckdb.DuckDBPyConnection) -> DealTable:
    """The deals of a build with their declared features (JSON keys become columns)."""
    try:
        data = con.sql(_SQL).to_arrow_table().to_pydict()
    except duckdb.Error as exc:
        raise RevlakeError(f"cannot read the pipeline from the build: {exc}") from exc
    if not data["opportunity_id"]:
        raise InputError("the build has no opportunities (gold.fct_pipeline is empty)")
    columns: dict[str, list[object]] = {
        name: list(data[name]) for name in (*STANDARD_COLUMNS, *BASELINE_ONLY)
    }
    names: list[str] = []
    for key, values in parse_features(data["features"]).items():
        name = key if key not in columns else f"feature_{key}"
        columns[name] = values
        names.append(name)
    as_of = max((d for d in data["as_of_date"] if d is not None), default=None)
    return DealTable(
        opportunity_id=[str(v) for v in data["opportunity_id"]],
        columns=columns,
        feature_names=tuple(names),
        is_closed=np.array([bool(v) for v in data["is_closed"]], dtype=bool),
        is_won=np.array([bool(v) for v in data["is_won"]], dtype=bool),
        stage_name=list(data["stage_name"]),
        as_of=as_of,
    )


def read_deal_table(path: Path) -> DealTable:
    """`load_deal_table` of a build file, opened read-only."""
    with open_build(path) as build, build.cursor() as con:
        return load_deal_table(con)


def train_win_tabular(deals: DealTable) -> TabularResult:
    """revlake's model and the baseline on the closed deals (won = 1)."""
    closed = np.flatnonzero(deals.is_closed).tolist()
    if not closed:
        raise InputError("no closed deals with an outcome: nothing to learn a win model from")
    table = deals.subset(closed)
    model_columns = (*STANDARD_COLUMNS, *deals.feature_names)
    return train_tabular(
        table,
        deals.is_won[closed].astype(np.int8),
        model_columns=model_columns,
        baseline_columns=(*model_columns, *BASELINE_ONLY),
        what="closed deals",
    )


def _percentile(values: np.ndarray[Any, np.dtype[np.float64]]) -> np.ndarray[Any, Any]:
    known = np.sort(values[~np.isnan(values)])
    out = np.full(values.size, np.nan)
    if known.size:
        ok = ~np.isnan(values)
        out[ok] = np.searchsorted(known, values[ok], side="right") / known.size
    return out


def _shown(column: Column, value: float) -> str | None:
    """A feature value as the user wrote it (category) or as a number."""
    if np.isnan(value):
        return None
    if column.kind == "categorical":
        return column.vocabulary[int(value)]
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _explanations(model: TabularModel, x: FloatMatrix, ids: list[str], version: str) -> pa.Table:
    """The top drivers of each deal: exact TreeSHAP contributions as probability points."""
    rows: dict[str, list[Any]] = {
        "opportunity_id": [],
        "driver_rank": [],
        "feature": [],
        "feature_value": [],
        "points": [],
        "logit_contribution": [],
        "sentence": [],
        "model_version": [],
    }
    if ids:
        contributions = np.asarray(
            model.booster.predict(x, pred_contrib=True, num_threads=1), dtype=np.float64
        )
        points, _ = points_from_contributions(contributions, model)
        order = np.argsort(-np.abs(points), axis=1, kind="stable")[:, :TOP_DRIVERS]
        for i, opportunity_id in enumerate(ids):
            for rank, j in enumerate(order[i].tolist(), start=1):
                column = model.spec.columns[j]
                shown = _shown(column, float(x[i, j]))
                label = column.name.replace("_", " ")
                pts = float(points[i, j])
                rows["opportunity_id"].append(opportunity_id)
                rows["driver_rank"].append(rank)
                rows["feature"].append(column.name)
                rows["feature_value"].append(shown)
                rows["points"].append(round(pts, 2))
                rows["logit_contribution"].append(round(float(contributions[i, j]), 5))
                rows["sentence"].append(
                    f"{label} is {shown if shown is not None else 'unknown'}: {signed_points(pts)}"
                )
                rows["model_version"].append(version)
    return pa.table(
        {
            "opportunity_id": pa.array(rows["opportunity_id"], pa.string()),
            "driver_rank": pa.array(rows["driver_rank"], pa.int32()),
            "feature": pa.array(rows["feature"], pa.string()),
            "feature_value": pa.array(rows["feature_value"], pa.string()),
            "points": pa.array(rows["points"], pa.float64()),
            "logit_contribution": pa.array(rows["logit_contribution"], pa.float64()),
            "sentence": pa.array(rows["sentence"], pa.string()),
            "model_version": pa.array(rows["model_version"], pa.string()),
        }
    )


def _top_sentences(explanations: pa.Table, n: int) -> list[str | None]:
    """The first driver's sentence of each deal, in the deals' order."""
    ranks = explanations.column("driver_rank").to_pylist()
    sentences = explanations.column("sentence").to_pylist()
    top = [s for r, s in zip(ranks, sentences, strict=True) if r == 1]
    return top if len(top) == n else [None] * n


def score_open_deals(model: TabularModel, deals: DealTable, version: str) -> ScoredDeals:
    """Win probability and risk of every open deal, in gold.ml_deal_scores' columns."""
    rows = np.flatnonzero(~deals.is_closed).tolist()
    table = deals.subset(rows)
    n = len(rows)
    x = model.spec.encode(table)
    p = model.predict(x) if n else np.zeros(0)
    amount = np.array([np.nan if v is None else float(str(v)) for v in table["amount"]])
    nan = np.full(n, np.nan)
    risk = relative_categories(risk_scores(p, amount, _percentile(amount), nan, nan))
    explanations = _explanations(model, x, [deals.opportunity_id[i] for i in rows], version)
    scores = pa.table(
        {
            "opportunity_id": pa.array([deals.opportunity_id[i] for i in rows], pa.string()),
            "source_system": pa.array([str(v) for v in table["source"]], pa.string()),
            "as_of_date": pa.array([deals.as_of] * n, pa.date32()),
            "stage_name": pa.array([deals.stage_name[i] for i in rows], pa.string()),
            "amount_rc": pa.array(amount, pa.float64(), mask=np.isnan(amount)),
            "win_probability": pa.array(np.round(p, 4), pa.float64()),
            "loss_probability": pa.array(np.round(1 - p, 4), pa.float64()),
            "days_in_stage": pa.array(nan, pa.float64(), mask=np.isnan(nan)),
            "typical_days_in_stage_won": pa.array(nan, pa.float64(), mask=np.isnan(nan)),
            # no dates: no age, nothing imputed; the columns keep the scores table's shape
            "age_days": pa.array(nan, pa.float64(), mask=np.isnan(nan)),
            "age_imputed": pa.array([False] * n, pa.bool_()),
            "outside_experience": pa.nulls(n, pa.string()),
            "experience_note": pa.nulls(n, pa.string()),
            "stagnation": pa.array(np.round(risk.stagnation, 4), pa.float64()),
            "risk_score": pa.array(risk.score, pa.float64()),
            "risk_category": pa.array(risk.category, pa.string()),
            "risk_percentile": pa.array(np.round(risk.percentile, 1), pa.float64()),
            "suggested_action": pa.array(risk.action, pa.string()),
            "at_risk_amount_rc": pa.array(np.round(risk.at_risk_amount, 2), pa.float64()),
            "top_driver": pa.array(_top_sentences(explanations, n), pa.string()),
            "model_kind": pa.array([model.kind] * n, pa.string()),
            "model_version": pa.array([version] * n, pa.string()),
        }
    )
    return ScoredDeals(
        scores=scores,
        explanations=explanations,
        open_deals=n,
        at_risk_amount=float(np.nansum(risk.at_risk_amount)),
        open_amount=float(np.nansum(amount)),
        categories={c: risk.category.count(c) for c in ("critical", "high", "medium", "low")},
    )
