"""`revlake forecast` and `revlake backtest`: the Monte Carlo revenue forecast and its check."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, TextColumn
from rich.table import Table

from revlake.cli import alerts_cmd
from revlake.cli.common import (
    TenantOption,
    WorkspaceOption,
    console,
    open_workspace,
    print_precomputed,
    resolve_tenant,
    spinner_progress,
)
from revlake.errors import InputError


def _money(value: float) -> str:
    return f"{value:,.0f}"


def forecast(
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    horizon: Annotated[
        int, typer.Option("--horizon", help="Number of periods to forecast (4–26).")
    ] = 13,
    period: Annotated[str, typer.Option("--period", help="'week' or 'month'.")] = "week",
    sims: Annotated[int, typer.Option("--sims", help="Monte Carlo simulations.")] = 10_000,
    version: Annotated[
        str | None, typer.Option("--version", help="Win-model version (default: the latest).")
    ] = None,
    publish: Annotated[
        bool,
        typer.Option(
            "--publish",
            help="Also write gold.ml_forecast and gold.ml_deal_close_timing into a new "
            "published snapshot.",
        ),
    ] = False,
    wait: Annotated[
        float, typer.Option("--wait", help="Seconds to wait for another command's workspace lock.")
    ] = 0.0,
) -> None:
    """Forecast won revenue per period: P10/P50/P90 beside the stage-weighted baseline."""
    from revlake.ml.deals import day_date
    from revlake.ml.forecast_service import forecast_tenant
    from revlake.queries.precompute import publishing_answers

    if period not in ("week", "month"):
        raise InputError(f"--period must be 'week' or 'month' (got {period!r})")
    opened = open_workspace(workspace)
    tenant_id = resolve_tenant(opened, tenant)
    with ExitStack() as stack:
        progress = stack.enter_context(spinner_progress())
        progress.add_task(f"forecasting (tenant {tenant_id})", total=None)
        published = stack.enter_context(publishing_answers(opened, tenant_id)) if publish else None
        summary = forecast_tenant(
            opened,
            tenant_id,
            horizon=horizon,
            period="week" if period == "week" else "month",
            n_sims=sims,
            version=version,
            publish=publish,
            wait_s=wait,
        )
    fc = summary.forecast
    table = Table(
        title=f"forecast from {day_date(fc.as_of)} ({fc.n_sims:,} simulations, "
        f"win model {summary.model_version})",
        title_justify="left",
    )
    for column in ("period end", "P10", "P50", "P90", "cum. P10", "cum. P50", "cum. P90"):
        table.add_column(column, justify="right")
    table.add_column("stage-weighted", justify="right")
    b = fc.bands
    for k, end in enumerate(fc.period_ends.tolist()):
        table.add_row(
            str(day_date(end)),
            *(_money(b.per_period[q, k]) for q in range(3)),
            *(_money(b.cumulative[q, k]) for q in range(3)),
            _money(fc.baseline_per_period[k]),
        )
    console.print(table)
    console.print(
        f"{fc.deals.deal_idx.size:,} open deals · expected from open pipeline "
        f"{_money(fc.open_bands.mean_per_period.sum())}, from pipeline not yet created "
        f"{_money(fc.new_mean_per_period.sum())} · stage-weighted baseline "
        f"{_money(fc.baseline_per_period.sum())}",
        highlight=False,
    )
    if summary.snapshot is not None:
        if published is not None:
            print_precomputed(published.precomputed)
        console.print(f"[green]published[/] {summary.snapshot}")
        alerts_cmd.after_publish(opened, tenant_id)


def backtest(
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    cutoffs: Annotated[
        int, typer.Option("--cutoffs", help="Number of past quarter ends to forecast from.")
    ] = 4,
    sims: Annotated[int, typer.Option("--sims", help="Monte Carlo simulations.")] = 5_000,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Report folder (default: tenants/<tenant>/reports/backtest in the workspace).",
        ),
    ] = None,
) -> None:
    """Forecast past quarters from the pipeline as it stood, against what was won."""
    from revlake.ml.forecast_service import backtest_tenant

    opened = open_workspace(workspace)
    tenant_id = resolve_tenant(opened, tenant)
    with spinner_progress(BarColumn(), TextColumn("{task.completed}/{task.total}")) as progress:
        task = progress.add_task("backtest", total=cutoffs)
        seen: list[str] = []

        def step(label: str) -> None:
            if seen:
                progress.advance(task)
            seen.append(label)
            progress.update(task, description=f"backtest: cut-off {label}")

        report = backtest_tenant(
            opened, tenant_id, cutoffs=cutoffs, n_sims=sims, out_dir=out, on_cutoff=step
        )
    s = report.summary
    table = Table(title="backtest: next 13 weeks after each cut-off", title_justify="left")
    columns = ("cut-off", "actual", "P10", "P50", "P90", "error", "bias", "in band", "pinball")
    for column in (*columns, "baseline", "baseline error", "baseline pinball"):
        table.add_column(column, justify="left" if column == "cut-off" else "right")
    for r in s.rows:
        table.add_row(
            r.cutoff,
            _money(r.actual),
            _money(r.p10),
            _money(r.p50),
            _money(r.p90),
            f"{r.error:+,.0f}",
            f"{r.bias:+.1%}",
            "yes" if r.inside else "no",
            _money(r.pinball),
            _money(r.baseline),
            f"{r.baseline_error:+,.0f}",
            _money(r.baseline_pinball),
        )
    console.print(table)
    console.print(
        f"P50 mean absolute error {_money(s.mae)} (baseline {_money(s.baseline_mae)}) · "
        f"P10–P90 coverage {s.coverage:.0%} · mean pinball {_money(s.mean_pinball)} "
        f"(baseline {_money(s.baseline_mean_pinball)})",
        highlight=False,
    )
    console.print(f"[green]wrote[/] {report.table}, {report.csv}, {report.chart}")


def register(app: typer.Typer) -> None:
    """Add `forecast` and `backtest` to the root app."""
    app.command("forecast")(forecast)
    app.command("backtest")(backtest)
