"""`revlake churn train|score` and `revlake ltv` as library calls on a tenant's published build.

Training reads the published build (read-only) and writes a churn-model version under
`tenants/<tenant>/models/churn/` (model.txt, calibration.json, evaluation.json,
manifest.json, reliability.png, LATEST). Scoring scores every customer paying in the
as-of month and, with the LTV figures, writes `gold.ml_customer_churn`,
`gold.ml_customer_ltv`, `gold.ml_segment_ltv` and `gold.ml_channel_ltv` into a copy of
the published build that is then published (revlake.ml.service.publish_with_tables).

A build without customer-month history but with a customer snapshot carrying a churn
label trains the snapshot model instead (revlake.ml.churn_snapshot, registry
`models/churn_snapshot/`): a stratified split, not time-ordered, beside a same-run baseline.
"""

from __future__ import annotations

import csv
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from revlake.errors import InputError
from revlake.ml.churn import (
    MODEL_FAMILY,
    ChurnModel,
    ChurnTrainResult,
    explain,
    load_churn_model,
    risk_level,
    save_churn_model,
    train_churn_model,
)
from revlake.ml.churn_data import (
    ChurnPanel,
    NoCustomerMonths,
    load_panel,
    month_index,
    month_label,
)
from revlake.ml.churn_snapshot import MODEL_FAMILY as SNAPSHOT_FAMILY
from revlake.ml.churn_snapshot import read_customer_table, train_churn_snapshot
from revlake.ml.ltv import LtvReport, LtvSettings, compute_ltv
from revlake.ml.metrics import plot_reliability
from revlake.ml.registry import read_latest
from revlake.ml.service import publish_with_tables
from revlake.ml.tabular import TabularResult, save_tabular
from revlake.reader import open_published, published_path
from revlake.transform.project import GOLD_SCHEMA
from revlake.workspace import Workspace

CHURN_TABLE = "ml_customer_churn"
CUSTOMER_LTV_TABLE = "ml_customer_ltv"
SEGMENT_LTV_TABLE = "ml_segment_ltv"
CHANNEL_LTV_TABLE = "ml_channel_ltv"
TOP_DRIVERS = 3
CANCELLING = ("cancelling", "cancellation already requested: save call before the period ends")


def read_hazards(path: Path) -> dict[tuple[str, int], float]:
    """(customer_id, month index) → true monthly churn hazard from a generator truth CSV."""
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    out: dict[tuple[str, int], float] = {}
    with handle:
        reader = csv.DictReader(handle)
        for column in ("customer_id", "month", "true_churn_hazard"):
            if column not in (reader.fieldnames or []):
                raise InputError(f"{path}: line 1: missing column {column!r}")
        for line, row in enumerate(reader, start=2):
            try:
                month = int(month_index([np.datetime64(row["month"], "D")])[0])
                out[(row["customer_id"], month)] = float(row["true_churn_hazard"])
            except (TypeError, ValueError):
                raise InputError(
                    f"{path}: line {line}: bad month {row['month']!r} or hazard "
                    f"{row['true_churn_hazard']!r}"
                ) from None
    return out


def models_root(workspace: Workspace, tenant: str) -> Path:
    """`tenants/<tenant>/models/churn`."""
    return workspace.tenant_dir(tenant) / "models" / MODEL_FAMILY


def _panel(workspace: Workspace, tenant: str) -> ChurnPanel:
    with open_published(workspace, tenant) as build, build.cursor() as con:
        return load_panel(con)


@dataclass(frozen=True)
class ChurnTrainSummary:
    tenant: str
    version_path: Path
    result: ChurnTrainResult | TabularResult


def train_churn_tenant(
    workspace: Workspace,
    tenant: str,
    *,
    horizon_days: int = 90,
    hazards_path: Path | None = None,
    calibration: str = "platt",
) -> ChurnTrainSummary:
    """Train, evaluate and register a churn model on the tenant's published build."""
    tenant = workspace.tenant(tenant).id
    hazards = read_hazards(hazards_path) if hazards_path is not None else None
    try:
        panel = _panel(workspace, tenant)
    except NoCustomerMonths as exc:
        return _train_snapshot(workspace, tenant, exc)
    result = train_churn_model(panel, horizon_days, hazards, calibration=calibration)
    manifest = {
        "tenant": tenant,
        "horizon_days": horizon_days,
        "calibration": calibration,
        "trained_on_build": published_path(workspace, tenant).name,
    }
    with tempfile.TemporaryDirectory(prefix="revlake-churn-") as tmp:
        png = plot_reliability(
            result.curves, Path(tmp) / "reliability.png", title=f"Churn model — {tenant} (test)"
        )
        path = save_churn_model(models_root(workspace, tenant), result, manifest, png)
    return ChurnTrainSummary(tenant=tenant, version_path=path, result=result)


def _train_snapshot(
    workspace: Workspace, tenant: str, no_history: NoCustomerMonths
) -> ChurnTrainSummary:
    """The churn model of a customer snapshot with a churn label (no monthly history)."""
    build = published_path(workspace, tenant)
    customers = read_customer_table(build)
    if customers is None:
        raise InputError(
            f"{no_history}, and no customer in gold.dim_customer has a churn label: map a "
            "customer file with a churn flag (docs/DATA-CONTRACT.md) or a subscription file"
        ) from no_history
    result = train_churn_snapshot(customers)
    root = workspace.tenant_dir(tenant) / "models" / SNAPSHOT_FAMILY
    manifest = {"tenant": tenant, "trained_on_build": build.name}
    path = save_tabular(root, result, manifest, f"Churn model (snapshot) — tenant `{tenant}`")
    return ChurnTrainSummary(tenant=tenant, version_path=path, result=result)


def churn_scores(model: ChurnModel, panel: ChurnPanel, version: str) -> pa.Table:
    """One row per customer paying in the as-of month: probability, level, drivers.

    `panel` may hold every month or only the as-of month (`load_panel(as_of_only=True)`).
    """
    rows = np.flatnonzero(panel.month == panel.as_of)
    current = panel.subset(rows)
    p, drivers = explain(model, current.x, top=TOP_DRIVERS)
    levels, actions = risk_level(p)
    for i in np.flatnonzero(current.cancelling).tolist():
        p[i] = 1.0
        levels[i], actions[i] = CANCELLING
        drivers[i] = [("cancelling", 0.0, "a cancellation is pending")]
    columns: dict[str, Any] = {
        "customer_id": current.customer_id.tolist(),
        "scoring_month": [month_label(panel.as_of)] * current.n,
        "horizon_months": [model.horizon_months] * current.n,
        "churn_probability": p.tolist(),
        "risk_level": levels,
        "intervention": actions,
        "mrr_rc": current.mrr.tolist(),
        "mrr_at_risk_rc": (current.mrr * p).tolist(),
        "model_version": [version] * current.n,
    }
    for k in range(TOP_DRIVERS):
        columns[f"driver_{k + 1}"] = [d[k][2] if k < len(d) else None for d in drivers]
        columns[f"driver_{k + 1}_points"] = [d[k][1] if k < len(d) else None for d in drivers]
    return pa.table(columns)


def ltv_tables(report: LtvReport) -> dict[str, pa.Table]:
    """The LTV report as Arrow tables (customers, segments, channels)."""
    settings = {
        "gross_margin": report.settings.gross_margin,
        "annual_discount_rate": report.settings.annual_discount_rate,
    }

    def table(items: list[Any]) -> pa.Table:
        return pa.Table.from_pylist([{**asdict(item), **settings} for item in items])

    return {
        CUSTOMER_LTV_TABLE: table(report.customers),
        SEGMENT_LTV_TABLE: table(report.segments),
        CHANNEL_LTV_TABLE: table(report.channels),
    }


@dataclass(frozen=True)
class ChurnScoreSummary:
    tenant: str
    snapshot: Path
    model_version: str
    scores: pa.Table
    ltv: LtvReport


def score_churn_tenant(
    workspace: Workspace,
    tenant: str,
    *,
    version: str | None = None,
    settings: LtvSettings | None = None,
    wait_s: float = 0.0,
) -> ChurnScoreSummary:
    """Score churn risk and LTV into a copy of the published build and publish it."""
    tenant = workspace.tenant(tenant).id
    snapshot_models = workspace.tenant_dir(tenant) / "models" / SNAPSHOT_FAMILY
    snapshot_version = read_latest(snapshot_models)
    if read_latest(models_root(workspace, tenant)) is None and snapshot_version is not None:
        raise InputError(
            f"tenant {tenant!r} has a churn model trained from a customer snapshot "
            f"({snapshot_models / snapshot_version}: "
            "its evaluation is there); scoring customers from a snapshot is not built yet — "
            "`revlake churn score` scores paying customer-months (gold.fct_mrr)"
        )
    model, manifest = load_churn_model(models_root(workspace, tenant), version)
    out: dict[str, Any] = {}

    def write(con: duckdb.DuckDBPyConnection) -> None:
        # only the as-of month is scored: its rows alone, each from the whole history
        panel = load_panel(con, as_of_only=True)
        scores = churn_scores(model, panel, str(manifest["version"]))
        report = compute_ltv(con, settings)
        out["scores"], out["ltv"] = scores, report
        for name, data in {CHURN_TABLE: scores, **ltv_tables(report)}.items():
            con.register("_ml_table", data)
            con.execute(f"create or replace table {GOLD_SCHEMA}.{name} as select * from _ml_table")
            con.unregister("_ml_table")

    snapshot = publish_with_tables(
        workspace, tenant, f"revlake churn score --tenant {tenant}", write, wait_s
    )
    return ChurnScoreSummary(
        tenant=tenant,
        snapshot=snapshot,
        model_version=str(manifest["version"]),
        scores=out["scores"],
        ltv=out["ltv"],
    )


def tenant_ltv(workspace: Workspace, tenant: str, settings: LtvSettings | None = None) -> LtvReport:
    """LTV figures of the published build (read-only; nothing is written)."""
    tenant = workspace.tenant(tenant).id
    with open_published(workspace, tenant) as build, build.cursor() as con:
        return compute_ltv(con, settings)
