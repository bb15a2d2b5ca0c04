"""`revlake train` and `revlake score`: the win model's registry and the deal scores."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from revlake.cli import alerts_cmd
from revlake.cli.common import (
    TenantOption,
    WorkspaceOption,
    console,
    err_console,
    open_workspace,
    print_precomputed,
    resolve_tenant,
    spinner_progress,
)

if TYPE_CHECKING:
    from revlake.ml.tabular import TabularResult


def _fmt(value: Any) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _metrics_table(title: str, results: dict[str, Any]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("model", "n", "ROC-AUC", "Brier", "log loss", "ECE"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for name in ("model", "model_uncalibrated", "stage_rates", "base_rate", "oracle"):
        m = results.get(name)
        if m:
            table.add_row(
                name,
                f"{m['n']:,}",
                _fmt(m["roc_auc"]),
                _fmt(m["brier"]),
                _fmt(m["log_loss"]),
                _fmt(m["ece"]),
            )
    return table


def print_tabular(result: TabularResult) -> None:
    """The split statement and revlake's AUC beside the same-run baseline's."""
    evaluation = result.evaluation
    split = evaluation["split"]
    console.print(
        f"model kind: {result.model.kind} · split: {split['scheme']} · "
        f"{split['rows']:,} rows ({split['positives']:,} positive)",
        highlight=False,
    )
    table = Table(title=split["evaluation"], title_justify="left")
    for column in ("model", "mean ROC-AUC"):
        table.add_column(column, justify="left" if column == "model" else "right")
    table.add_row("revlake (calibrated LightGBM)", _fmt(evaluation["model"]["roc_auc"]))
    table.add_row(
        "baseline (LightGBM defaults, all columns)", _fmt(evaluation["baseline"]["roc_auc"])
    )
    console.print(table)
    verdict = "within" if evaluation["within_tolerance"] else "[red]NOT within[/]"
    console.print(
        f"gap (revlake − baseline): {evaluation['auc_gap']:+.4f} · {verdict} "
        f"{evaluation['tolerance']:.2f} AUC",
        highlight=False,
    )
    if evaluation["left_out"]:
        left = ", ".join(f"{k} ({v})" for k, v in evaluation["left_out"].items())
        console.print(f"left out: {left}", highlight=False)


def train(
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    oracle: Annotated[
        Path | None,
        typer.Option(
            "--oracle",
            help="Generator truth CSV (opportunity_id, true_win_probability) to report the "
            "oracle beside the model (synthetic data only).",
        ),
    ] = None,
) -> None:
    """Train the win model on the published build, evaluate it on a time split, register it.

    Deals without dates (a win/loss table): a stratified split instead, reported beside a
    same-run baseline.
    """
    from revlake.ml.service import train_tenant
    from revlake.ml.tabular import TabularResult

    opened = open_workspace(workspace)
    tenant_id = resolve_tenant(opened, tenant)
    with spinner_progress() as progress:
        task = progress.add_task(f"training (tenant {tenant_id})", total=None)
        summary = train_tenant(
            opened,
            tenant_id,
            oracle_path=oracle,
            on_step=lambda step: progress.update(task, description=f"training: {step}"),
        )
    result = summary.result
    if isinstance(result, TabularResult):
        print_tabular(result)
        console.print(f"[green]registered[/] {summary.version_path}")
        return
    if result.message:
        err_console.print(f"[yellow]note:[/] {result.message}", highlight=False)
    console.print(
        f"model kind: {result.model.kind} · split: {result.split['deals']} deals · "
        f"test from {result.split['test_start']}",
        highlight=False,
    )
    console.print(
        _metrics_table("test split (every snapshot)", result.evaluation["test_snapshots"])
    )
    console.print(
        _metrics_table(
            "test split (at creation, one row per deal)", result.evaluation["test_at_creation"]
        )
    )
    console.print(f"[green]registered[/] {summary.version_path}")


def score(
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    version: Annotated[
        str | None, typer.Option("--version", help="Model version (default: the latest).")
    ] = None,
    wait: Annotated[
        float, typer.Option("--wait", help="Seconds to wait for another command's workspace lock.")
    ] = 0.0,
) -> None:
    """Score open deals (win probability, drivers, risk) into a new published snapshot."""
    from revlake.ml.service import score_tenant
    from revlake.queries.precompute import publishing_answers

    opened = open_workspace(workspace)
    tenant_id = resolve_tenant(opened, tenant)
    with spinner_progress() as progress:
        progress.add_task(f"scoring open deals (tenant {tenant_id})", total=None)
        with publishing_answers(opened, tenant_id) as publish:
            summary = score_tenant(opened, tenant_id, version=version, wait_s=wait)
    scored = summary.scored
    cats = " · ".join(f"{name}: {count:,}" for name, count in scored.categories.items())
    console.print(
        f"scored {scored.open_deals:,} open deals with model {summary.model_version} · {cats}",
        highlight=False,
    )
    console.print(
        f"at-risk revenue: {scored.at_risk_amount:,.2f} of {scored.open_amount:,.2f} open",
        highlight=False,
    )
    print_precomputed(publish.precomputed)
    console.print(f"[green]published[/] {summary.snapshot}")
    alerts_cmd.after_publish(opened, tenant_id)


def register(app: typer.Typer) -> None:
    """Add `train` and `score` to the root app."""
    app.command("train")(train)
    app.command("score")(score)
