"""`revlake forecast` and `revlake backtest` as library calls on a tenant's published build.

The forecast uses the tenant's registered win model (`revlake train`) and fits the close-
timing model on the published build. With `publish=True` it writes `gold.ml_forecast`
(one row per period) and `gold.ml_deal_close_timing` (one row per open deal) into a copy
of the published build and publishes it, the same copy-and-publish as `revlake score`.
The backtest fits everything from scratch at each cut-off (nothing of today's model is
used) and writes its table (Markdown, CSV) and chart (PNG) to a report folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from revlake.errors import RevlakeError
from revlake.ml.backtest import (
    BacktestSummary,
    backtest_history,
    plot_backtest,
    render_table,
    write_csv,
)
from revlake.ml.deals import NO_DATE, DealHistory, day_date
from revlake.ml.forecast import (
    Forecast,
    ForecastBasis,
    Period,
    forecast_basis,
    forecast_history,
    stage_rate_model,
)
from revlake.ml.registry import RegisteredModel, load_model
from revlake.ml.service import load_tenant_history, publish_with_tables
from revlake.ml.timing import HazardModel, fit_hazard
from revlake.ml.win import StageRateModel
from revlake.transform.project import GOLD_SCHEMA
from revlake.workspace import Workspace

FORECAST_TABLE = "ml_forecast"
TIMING_TABLE = "ml_deal_close_timing"


@dataclass(frozen=True)
class ForecastSummary:
    """The forecast, the model it used and, when published, the snapshot it went to."""

    tenant: str
    model_version: str
    forecast: Forecast
    history: DealHistory
    snapshot: Path | None


def forecast_table(fc: Forecast) -> pa.Table:
    """One row per period: per-period and cumulative P10/P50/P90, mean, parts, baseline."""
    b = fc.bands
    starts = np.concatenate(([fc.as_of], fc.period_ends[:-1])) + 1
    return pa.table(
        {
            "period_index": pa.array(range(1, fc.period_ends.size + 1), pa.int32()),
            "period": [fc.period] * fc.period_ends.size,
            "period_start": pa.array([day_date(int(d)) for d in starts], pa.date32()),
            "period_end": pa.array([day_date(int(d)) for d in fc.period_ends], pa.date32()),
            "p10": b.per_period[0],
            "p50": b.per_period[1],
            "p90": b.per_period[2],
            "cumulative_p10": b.cumulative[0],
            "cumulative_p50": b.cumulative[1],
            "cumulative_p90": b.cumulative[2],
            "mean": b.mean_per_period,
            "open_pipeline_mean": fc.open_bands.mean_per_period,
            "new_pipeline_mean": fc.new_mean_per_period,
            "stage_weighted_baseline": fc.baseline_per_period,
            "as_of_date": pa.array([day_date(fc.as_of)] * fc.period_ends.size, pa.date32()),
            "simulations": pa.array([fc.n_sims] * fc.period_ends.size, pa.int32()),
        }
    )


def timing_table(fc: Forecast, history: DealHistory) -> pa.Table:
    """One row per open deal: win probability, stage rate and close-date range if won."""
    d = fc.deals
    q = d.close_quantiles

    def dates(column: int) -> pa.Array:
        return pa.array(
            [None if v == NO_DATE else day_date(int(v)) for v in q[:, column].tolist()],
            pa.date32(),
        )

    return pa.table(
        {
            "opportunity_id": history.opportunity_id[d.deal_idx].tolist(),
            "win_probability": d.win_probability,
            "stage_probability": d.stage_probability,
            "close_date_p10": dates(0),
            "close_date_p50": dates(1),
            "close_date_p90": dates(2),
            "as_of_date": pa.array([day_date(fc.as_of)] * d.deal_idx.size, pa.date32()),
        }
    )


def _publish_tables(
    workspace: Workspace, tenant: str, tables: dict[str, pa.Table], wait_s: float
) -> Path:
    """Add the forecast tables to a copy of the published build and publish it."""

    def write(con: duckdb.DuckDBPyConnection) -> None:
        for name, table in tables.items():
            con.register("_t", table)
            con.execute(f"create or replace table {GOLD_SCHEMA}.{name} as select * from _t")
            con.unregister("_t")

    return publish_with_tables(
        workspace, tenant, f"revlake forecast --tenant {tenant} --publish", write, wait_s
    )


FittedModels = tuple[HazardModel, StageRateModel]
"""The close-timing hazard and the stage-rate model a forecast runs on."""


def fit_forecast_models(history: DealHistory, registered: RegisteredModel) -> FittedModels:
    """Fit the models a forecast needs on `history` (the expensive, reusable part)."""
    spec = registered.model.spec
    return (
        fit_hazard(history, spec, win_model=registered.model),
        stage_rate_model(history, spec),
    )


def forecast_basis_with(
    history: DealHistory,
    registered: RegisteredModel,
    *,
    n_sims: int = 10_000,
    seed: int = 0,
    fitted: FittedModels | None = None,
) -> ForecastBasis:
    """The horizon-free part of every forecast of `history` with a registered model: open
    deals scored and their wins simulated by week (`revlake.ml.forecast.ForecastBasis`).

    `fitted` reuses models from `fit_forecast_models`. The API makes one basis per build
    and model version (a scored publish stores it in the build) and folds it into any
    horizon and period with `forecast_from_basis`.
    """
    hazard, stages = fitted if fitted is not None else fit_forecast_models(history, registered)
    return forecast_basis(
        history, registered.model, n_sims=n_sims, seed=seed, hazard=hazard, stage_model=stages
    )


def forecast_tenant(
    workspace: Workspace,
    tenant: str,
    *,
    horizon: int = 13,
    period: Period = "week",
    n_sims: int = 10_000,
    version: str | None = None,
    publish: bool = False,
    wait_s: float = 0.0,
    seed: int = 0,
) -> ForecastSummary:
    """Forecast the tenant's revenue with its registered win model; optionally publish."""
    tenant = workspace.tenant(tenant).id
    registered = load_model(workspace, tenant, version)
    history = load_tenant_history(workspace, tenant)
    fc = forecast_history(
        history, registered.model, horizon=horizon, period=period, n_sims=n_sims, seed=seed
    )
    target = None
    if publish:
        target = _publish_tables(
            workspace,
            tenant,
            {FORECAST_TABLE: forecast_table(fc), TIMING_TABLE: timing_table(fc, history)},
            wait_s,
        )
    return ForecastSummary(
        tenant=tenant,
        model_version=registered.version,
        forecast=fc,
        history=history,
        snapshot=target,
    )


@dataclass(frozen=True)
class BacktestReport:
    """The backtest figures and the files they were written to."""

    tenant: str
    summary: BacktestSummary
    table: Path
    csv: Path
    chart: Path


def backtest_tenant(
    workspace: Workspace,
    tenant: str,
    *,
    cutoffs: int = 4,
    n_sims: int = 5_000,
    out_dir: Path | None = None,
    on_cutoff: Callable[[str], None] | None = None,
) -> BacktestReport:
    """Backtest the tenant's published build; write backtest.md/.csv/.png to `out_dir`
    (default `tenants/<tenant>/reports/backtest`)."""
    tenant = workspace.tenant(tenant).id
    history = load_tenant_history(workspace, tenant)
    summary = backtest_history(history, cutoffs, n_sims=n_sims, on_cutoff=on_cutoff)
    folder = out_dir or workspace.tenant_dir(tenant) / "reports" / "backtest"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        table = folder / "backtest.md"
        table.write_text(
            f"# Forecast backtest — {tenant}\n\nNext 13 weeks after each cut-off.\n\n"
            + render_table(summary),
            encoding="utf-8",
        )
        csv_path = write_csv(summary, folder / "backtest.csv")
        chart = plot_backtest(summary, folder / "backtest.png", title=f"Backtest — {tenant}")
    except OSError as exc:
        raise RevlakeError(f"cannot write the backtest report to {folder}: {exc}") from exc
    return BacktestReport(tenant=tenant, summary=summary, table=table, csv=csv_path, chart=chart)
