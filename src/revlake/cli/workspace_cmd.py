"""`revlake init` and `revlake config`: create a workspace and show its settings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from revlake.cli.common import WorkspaceOption, console, open_workspace
from revlake.config import redacted_settings
from revlake.workspace import init_workspace


def init(
    path: Annotated[Path, typer.Argument(help="Folder to create the workspace in.")],
    tenant: Annotated[
        list[str] | None,
        typer.Option("--tenant", "-t", help="Tenant id (repeat for several). Default: demo."),
    ] = None,
    currency: Annotated[
        str, typer.Option("--currency", help="Reporting currency (ISO 4217).")
    ] = "USD",
    fiscal_year_start_month: Annotated[
        int, typer.Option("--fiscal-year-start", help="First month of the fiscal year, 1-12.")
    ] = 1,
) -> None:
    """Create a workspace: revlake.toml plus each tenant's landing and lakehouse folders."""
    workspace = init_workspace(
        path,
        tenants=tenant or ["demo"],
        reporting_currency=currency,
        fiscal_year_start_month=fiscal_year_start_month,
    )
    console.print(f"Created workspace [bold]{workspace.root}[/]")
    for t in workspace.settings.tenants:
        console.print(f"  tenant [bold]{t.id}[/]: drop exports into {workspace.landing_dir(t.id)}")


def config(workspace: WorkspaceOption = Path(".")) -> None:
    """Print the workspace's effective settings (file plus REVLAKE_* overrides) as JSON.

    Secrets (the database password) are shown as ***.
    """
    opened = open_workspace(workspace)
    typer.echo(json.dumps(redacted_settings(opened.settings), indent=2))


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(config)
