"""`revlake run`, `revlake export parquet`, `revlake publish postgres`: the job and its hand-off."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from revlake.cli import build_cmd, ingest_cmd
from revlake.cli.common import (
    TenantOption,
    WorkspaceOption,
    console,
    err_console,
    open_workspace,
    resolve_tenant,
)

export_app = typer.Typer(help="Export the published gold layer to files.", no_args_is_help=True)
publish_app = typer.Typer(help="Publish the gold layer to a database.", no_args_is_help=True)

if TYPE_CHECKING:  # the pipeline pulls in the models: imported by the commands that run it
    from revlake.export import ExportedTable
    from revlake.pipeline import PipelineResult


def _print_result(result: PipelineResult) -> None:
    if result.ingest is not None:
        ingest_cmd.print_summary(result.ingest)
    if result.build is not None:
        build_cmd.print_summary(result.build)
    elif result.build_skipped_reason:
        console.print(f"build skipped: {result.build_skipped_reason}")
    if result.error:
        err_console.print(f"[bold red]error:[/] {result.error}", highlight=False)
    verdict = "[green]succeeded[/]" if result.ok else "[bold red]failed[/]"
    console.print(
        f"run {result.run_id} (tenant {result.tenant}) {verdict} in {result.seconds:.1f}s"
    )


def run(
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail the run when any row is rejected.")
    ] = False,
    force_build: Annotated[
        bool,
        typer.Option("--force-build", help="Rebuild every model, even when no new file arrived."),
    ] = False,
    wait: Annotated[
        float, typer.Option("--wait", help="Seconds to wait for another command's lock.")
    ] = 0.0,
    watch: Annotated[
        bool, typer.Option("--watch", help="Run again whenever the landing folder changes.")
    ] = False,
    interval: Annotated[
        float, typer.Option("--interval", min=0.5, help="Seconds between polls with --watch.")
    ] = 10.0,
) -> None:
    """Ingest → build → publish as one job, recorded in the run history (and audit log)."""
    from revlake.pipeline import run_pipeline, watch_pipeline

    opened = open_workspace(workspace)
    tenant_id = resolve_tenant(opened, tenant)
    if watch:
        console.print(
            f"Watching {opened.landing_dir(tenant_id)} every {interval:g}s (Ctrl-C stops)."
        )
        watch_pipeline(
            opened, tenant_id, interval_s=interval, strict=strict, on_result=_print_result
        )
        return
    result = run_pipeline(opened, tenant_id, strict=strict, wait_s=wait, force_build=force_build)
    _print_result(result)
    if not result.ok:
        raise typer.Exit(1)


def _exported_table(title: str, exported: list[ExportedTable]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("gold table")
    table.add_column("rows", justify="right")
    table.add_column("written to")
    for item in exported:
        table.add_row(item.table, f"{item.rows:,}", item.target)
    return table


@export_app.command("parquet")
def export_parquet_command(
    out: Annotated[Path, typer.Argument(help="Folder for one <table>.parquet per gold table.")],
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
) -> None:
    """Write every gold table of the published build as Parquet (zstd)."""
    from revlake.export import export_parquet

    opened = open_workspace(workspace)
    tenant_id = resolve_tenant(opened, tenant)
    exported = export_parquet(opened, tenant_id, out)
    console.print(_exported_table(f"exported gold of tenant {tenant_id}", exported))


@publish_app.command("postgres")
def publish_postgres_command(
    url: Annotated[str, typer.Argument(help="postgresql://user[:password]@host[:port]/database")],
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    schema: Annotated[
        str | None, typer.Option("--schema", help="Target schema (default: the tenant id).")
    ] = None,
) -> None:
    """Replace a PostgreSQL schema with the published gold tables, atomically for readers."""
    from revlake.export import publish_postgres

    opened = open_workspace(workspace)
    tenant_id = resolve_tenant(opened, tenant)
    exported = publish_postgres(opened, tenant_id, url, schema)
    console.print(_exported_table(f"published gold of tenant {tenant_id}", exported))


def runs(
    workspace: WorkspaceOption = Path("."),
    tenant: Annotated[str | None, typer.Option("--tenant", "-t", help="Only this tenant.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many runs.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The run history, newest first; runs whose process died are marked `abandoned`."""
    import json

    from revlake.pipeline import run_history

    opened = open_workspace(workspace)
    rows: list[dict[str, Any]] = [
        {
            "id": r.number,
            "tenant": r.tenant_id,
            "kind": r.kind,
            "status": r.status,
            "started_at": r.started_at.isoformat(),
            "finished_at": r.finished_at.isoformat() if r.finished_at else None,
            "snapshot": r.snapshot,
            "error": r.error,
        }
        for r in run_history(opened, tenant, limit=limit)
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("id", "tenant", "kind", "status", "started (UTC)", "snapshot", "error")
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["tenant"],
            row["kind"],
            row["status"],
            row["started_at"][:19],
            row["snapshot"] or "",
            row["error"] or "",
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(run)
    app.command()(runs)
    app.add_typer(export_app, name="export")
    app.add_typer(publish_app, name="publish")
