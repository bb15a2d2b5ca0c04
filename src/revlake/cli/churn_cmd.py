"""`revlake churn train`, `revlake churn score` and `revlake ltv`."""

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
    open_workspace,
    print_precomputed,
    resolve_tenant,
    spinner_progress,
)

churn_app = typer.Typer(
    name="churn",
    help="Churn risk of paying customers (LightGBM + calibration, TreeSHAP drivers).",
    no_args_is_help=True,
)

GrossMarginOption = Annotated[
    float, typer.Option("--gross-margin", help="Gross margin as a share of revenue.")
]
DiscountOption = Annotated[
    float, typer.Option("--discount-rate", help="Annual discount rate for LTV (0.10 = 10%).")
]


if TYPE_CHECKING:
    pass


def _fmt(value: Any, digits: int = 4) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def train(
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    horizon_days: Annotated[
        int, typer.Option("--horizon-days", help="Churn horizon in days (whole months).")
    ] = 90,
    calibration: Annotated[
        str, typer.Option("--calibration", help="'platt' (default) or 'isotonic'.")
    ] = "platt",
    hazards: Annotated[
        Path | None,
        typer.Option(
            "--oracle",
            help="Generator truth customer_churn_hazard.csv, to report the oracle beside the "
            "model (synthetic data only).",
        ),
    ] = None,
) -> None:
    """Train the churn model on the published build, evaluate it on a time split, register it."""
    from revlake.cli.ml_cmd import print_tabular
    from revlake.ml.churn_service import train_churn_tenant
    from revlake.ml.tabular import TabularResult

    opened = open_workspace(workspace)
    tenant_id = resolve_tenant(opened, tenant)
    with spinner_progress() as progress:
        progress.add_task(f"training the churn model (tenant {tenant_id})", total=None)
        summary = train_churn_tenant(
            opened,
            tenant_id,
            horizon_days=horizon_days,
            hazards_path=hazards,
            calibration=calibration,
        )
    if isinstance(summary.result, TabularResult):
        print_tabular(summary.result)
        console.print(f"[green]registered[/] {summary.version_path}")
        return
    evaluation = summary.result.evaluation
    split = summary.result.split
    console.print(
        f"horizon {evaluation['horizon_months']} months · rows {split['rows']} · "
        f"test from {split['test_start']}",
        highlight=False,
    )
    table = Table(title="test split", title_justify="left")
    for column in ("model", "n", "churners", "ROC-AUC", "Brier", "log loss", "ECE"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for name, m in evaluation["test"].items():
        table.add_row(
            name,
            f"{m['n']:,}",
            f"{m['positives']:,}",
            _fmt(m["roc_auc"]),
            _fmt(m["brier"]),
            _fmt(m["log_loss"]),
            _fmt(m["ece"]),
        )
    console.print(table)
    console.print(f"[green]registered[/] {summary.version_path}")


def score(
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    version: Annotated[
        str | None, typer.Option("--version", help="Model version (default: the latest).")
    ] = None,
    gross_margin: GrossMarginOption = 0.8,
    discount_rate: DiscountOption = 0.10,
    wait: Annotated[
        float, typer.Option("--wait", help="Seconds to wait for another command's workspace lock.")
    ] = 0.0,
) -> None:
    """Score churn risk and LTV of paying customers into a new published snapshot."""
    from revlake.ml.churn_service import score_churn_tenant
    from revlake.ml.ltv import LtvSettings
    from revlake.queries.precompute import publishing_answers

    settings = LtvSettings(gross_margin=gross_margin, annual_discount_rate=discount_rate)
    opened = open_workspace(workspace)
    tenant_id = resolve_tenant(opened, tenant)
    with spinner_progress() as progress:
        progress.add_task(f"scoring customers (tenant {tenant_id})", total=None)
        with publishing_answers(opened, tenant_id) as publish:
            summary = score_churn_tenant(
                opened, tenant_id, version=version, settings=settings, wait_s=wait
            )
    levels = summary.scores.column("risk_level").to_pylist()
    counts = {name: levels.count(name) for name in dict.fromkeys(levels)}
    console.print(
        f"scored {summary.scores.num_rows:,} customers with model {summary.model_version}: "
        + " · ".join(f"{k}: {v:,}" for k, v in sorted(counts.items())),
        highlight=False,
    )
    print_precomputed(publish.precomputed)
    console.print(f"[green]published[/] {summary.snapshot}")
    alerts_cmd.after_publish(opened, tenant_id)


def ltv(
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    gross_margin: GrossMarginOption = 0.8,
    discount_rate: DiscountOption = 0.10,
) -> None:
    """Lifetime value per segment and LTV:CAC / payback per channel (read-only)."""
    from revlake.ml.churn_service import tenant_ltv
    from revlake.ml.ltv import LtvSettings

    settings = LtvSettings(gross_margin=gross_margin, annual_discount_rate=discount_rate)
    opened = open_workspace(workspace)
    tenant_id = resolve_tenant(opened, tenant)
    report = tenant_ltv(opened, tenant_id, settings)
    seg = Table(title="LTV per segment (reporting currency)", title_justify="left")
    for column in (
        "segment",
        "customers",
        "alpha",
        "beta",
        "ARPA",
        "remaining LTV (sBG)",
        "new-customer LTV (sBG)",
        "revenue churn / month",
        "simple LTV",
    ):
        seg.add_column(column, justify="left" if column == "segment" else "right")
    for s in report.segments:
        seg.add_row(
            s.segment,
            f"{s.customers:,}",
            _fmt(s.alpha, 3),
            _fmt(s.beta, 3),
            _fmt(s.arpa, 0),
            _fmt(s.remaining_ltv, 0),
            _fmt(s.new_customer_ltv, 0),
            "n/a" if s.monthly_revenue_churn is None else f"{100 * s.monthly_revenue_churn:.2f}%",
            _fmt(s.simple_ltv, 0),
        )
    console.print(seg)
    chan = Table(title="LTV:CAC per acquisition channel", title_justify="left")
    for column in ("channel", "new customers", "CAC", "new ARPA", "LTV", "LTV:CAC", "payback"):
        chan.add_column(column, justify="left" if column == "channel" else "right")
    for c in report.channels:
        chan.add_row(
            c.channel,
            f"{c.new_customers:,}",
            _fmt(c.cac, 0),
            _fmt(c.new_arpa, 0),
            _fmt(c.ltv, 0),
            _fmt(c.ltv_to_cac, 1),
            "n/a" if c.payback_months is None else f"{c.payback_months:.1f} months",
        )
    console.print(chan)


def register(app: typer.Typer) -> None:
    """Add `churn train`, `churn score` and `ltv` to the root app."""
    churn_app.command("train")(train)
    churn_app.command("score")(score)
    app.add_typer(churn_app, name="churn")
    app.command("ltv")(ltv)
