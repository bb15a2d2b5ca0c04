"""`revlake alerts …`: evaluate the rules on the published build, retry deliveries, list
alerts and deliveries, show the webhook signing secret (docs/ALERTS.md)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from revlake.cli.common import (
    TenantOption,
    WorkspaceOption,
    console,
    open_workspace,
    resolve_tenant,
)

if TYPE_CHECKING:
    from revlake.alerts import DeliveryRecord
    from revlake.workspace import Workspace

alerts_app = typer.Typer(
    name="alerts",
    help="Alert rules evaluated on each publish; webhook and email deliveries.",
    no_args_is_help=True,
)
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
LimitOption = Annotated[int, typer.Option("--limit", "-n", min=1, max=10_000, help="How many.")]


def _print_deliveries(deliveries: list[DeliveryRecord]) -> None:
    table = Table("id", "channel", "status", "attempts", "alerts", "last error")
    for d in deliveries:
        table.add_row(
            str(d.id),
            d.channel,
            d.status,
            str(d.attempts),
            str(len(d.alert_ids)),
            d.last_error or "",
        )
    console.print(table)


@alerts_app.command("evaluate")
def evaluate(
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    no_deliver: Annotated[
        bool, typer.Option("--no-deliver", help="Record new alerts without sending them.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Evaluate the tenant's rules on its published build and deliver the new alerts."""
    from revlake.alerts import evaluate_tenant

    opened = open_workspace(workspace)
    tenant_id = resolve_tenant(opened, tenant)
    summary = evaluate_tenant(opened, tenant_id, deliver=not no_deliver)
    if as_json:
        typer.echo(json.dumps(summary.summary(), indent=2))
        return
    if summary.rules == 0:
        console.print(
            f"tenant {tenant_id} has no enabled alert rules ([tenants.alerts] in revlake.toml)"
        )
        return
    console.print(
        f"{summary.rules} rule(s) on build {summary.snapshot}: {summary.raised} new alert(s), "
        f"{summary.cleared} cleared"
    )
    for rule_id, reason in summary.skipped.items():
        console.print(f"rule {rule_id} skipped: {reason}", highlight=False)
    if summary.deliveries:
        _print_deliveries(summary.deliveries)
    if any(d.status != "delivered" for d in summary.deliveries):
        raise typer.Exit(1)


@alerts_app.command("deliver")
def deliver(workspace: WorkspaceOption = Path("."), tenant: TenantOption = None) -> None:
    """Retry every delivery not yet delivered (a round of attempts with backoff each)."""
    from revlake.alerts import deliver_pending

    opened = open_workspace(workspace)
    tried = deliver_pending(opened, resolve_tenant(opened, tenant))
    if not tried:
        console.print("nothing to deliver")
        return
    _print_deliveries(tried)
    if any(d.status != "delivered" for d in tried):
        raise typer.Exit(1)


@alerts_app.command("list")
def list_alerts(
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    status: Annotated[
        str | None, typer.Option("--status", help="active, cleared or event.")
    ] = None,
    limit: LimitOption = 50,
    as_json: JsonOption = False,
) -> None:
    """Alerts, newest first."""
    from revlake.alerts import AlertLog, alert_log_path

    opened = open_workspace(workspace)
    log = AlertLog(alert_log_path(opened, resolve_tenant(opened, tenant)))
    alerts, total = log.alerts(status=status, limit=limit)
    if as_json:
        typer.echo(json.dumps([asdict(a) for a in alerts], indent=2, default=str))
        return
    table = Table("id", "raised (UTC)", "rule", "status", "subject", "message", "delivered")
    for a in alerts:
        table.add_row(
            str(a.id),
            a.raised_at[:19],
            a.rule_id,
            a.status,
            a.subject_name,
            a.message,
            ", ".join(a.delivered),
        )
    console.print(table)
    console.print(f"{len(alerts)} of {total} alert(s)")


@alerts_app.command("deliveries")
def list_deliveries(
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    limit: LimitOption = 50,
    as_json: JsonOption = False,
) -> None:
    """The delivery log, newest first: channel, status, attempts, last error."""
    from revlake.alerts import AlertLog, alert_log_path

    opened = open_workspace(workspace)
    log = AlertLog(alert_log_path(opened, resolve_tenant(opened, tenant)))
    deliveries, _ = log.deliveries(limit=limit)
    if as_json:
        typer.echo(json.dumps([asdict(d) for d in deliveries], indent=2))
        return
    _print_deliveries(deliveries)


@alerts_app.command("secret")
def secret(workspace: WorkspaceOption = Path("."), tenant: TenantOption = None) -> None:
    """Print the webhook signing secret (give it to the receiver; created on first use)."""
    from revlake.alerts import webhook_secret
    from revlake.errors import ConfigError

    opened = open_workspace(workspace)
    tenant_id = resolve_tenant(opened, tenant)
    hook = opened.tenant(tenant_id).alerts.webhook
    if hook is None:
        raise ConfigError(f"tenant {tenant_id!r} has no [tenants.alerts.webhook] in revlake.toml")
    typer.echo(webhook_secret(opened, tenant_id, hook))


def after_publish(workspace: Workspace, tenant: str) -> None:
    """Evaluate the tenant's rules on the build a command just published (every publish
    does: `build`, `score`, `churn score`, `forecast --publish`; `run` does it itself).
    One line of output; a message that was not delivered stays in the delivery log."""
    if not workspace.tenant(tenant).alerts.rules:
        return
    from revlake.alerts import evaluate_tenant

    summary = evaluate_tenant(workspace, tenant)
    undelivered = sum(1 for d in summary.deliveries if d.status != "delivered")
    console.print(
        f"alerts: {summary.raised} new, {summary.cleared} cleared"
        + (f", {len(summary.skipped)} rule(s) skipped" if summary.skipped else "")
        + (
            f", {undelivered} message(s) not delivered (`revlake alerts deliveries`)"
            if undelivered
            else ""
        ),
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts")
