"""`revlake ingest` and `revlake layouts`: land exports into bronze, list source layouts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from revlake.cli.common import (
    TenantOption,
    WorkspaceOption,
    console,
    err_console,
    open_workspace,
    resolve_tenant,
)
from revlake.errors import WorkspaceLockedError
from revlake.ingest import IngestSummary, load_layouts, run_ingest, watch_ingest
from revlake.ingest.summary import FileStatus

_STATUS_STYLE = {
    FileStatus.LOADED: "green",
    FileStatus.EMPTY: "dim",
    FileStatus.DUPLICATE: "dim",
    FileStatus.UNRECOGNISED: "yellow",
    FileStatus.UNSUPPORTED: "yellow",
    FileStatus.FAILED: "bold red",
}


def summary_table(summary: IngestSummary) -> Table:
    """The per-file summary: layout, rows loaded, rejected, new columns."""
    table = Table(title=f"ingest {summary.load_id} (tenant {summary.tenant})", title_justify="left")
    table.add_column("file")
    table.add_column("status")
    table.add_column("layout")
    table.add_column("loaded", justify="right")
    table.add_column("rejected", justify="right")
    table.add_column("new columns")
    for result in summary.files:
        style = _STATUS_STYLE[result.status]
        table.add_row(
            result.path,
            f"[{style}]{result.status.value}[/]",
            result.layout or "",
            f"{result.rows_loaded:,}",
            f"[red]{result.rows_rejected:,}[/]" if result.rows_rejected else "0",
            ", ".join(result.new_columns),
        )
    table.add_section()
    table.add_row(
        f"{len(summary.files)} file(s), {summary.files_unchanged} unchanged",
        "",
        "",
        f"{summary.rows_loaded:,}",
        f"{summary.rows_rejected:,}",
        "",
    )
    return table


def print_summary(summary: IngestSummary, *, quiet_when_idle: bool = False) -> None:
    """Print the summary table, then each problem file and the rejects hint (stderr)."""
    if quiet_when_idle and not summary.files:
        return
    if not summary.files:
        console.print(f"Nothing new to ingest ({summary.files_unchanged} file(s) unchanged).")
        return
    console.print(summary_table(summary))
    for result in summary.problems:
        err_console.print(f"[yellow]{result.status.value}:[/] {result.message}", highlight=False)
    if summary.rows_rejected:
        err_console.print(
            f"{summary.rows_rejected:,} row(s) rejected: see table _rejects "
            f"(load_id = '{summary.load_id}') in the tenant's bronze.duckdb"
        )


def ingest(
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict", help="Exit 1 when any row was rejected or any file was not loaded."
        ),
    ] = False,
    wait: Annotated[
        float,
        typer.Option("--wait", help="Seconds to wait for another command's workspace lock."),
    ] = 0.0,
    watch: Annotated[
        bool, typer.Option("--watch", help="Keep polling the landing folder (Ctrl-C stops).")
    ] = False,
    interval: Annotated[
        float, typer.Option("--interval", help="Seconds between polls with --watch.", min=0.1)
    ] = 5.0,
) -> None:
    """Load new files from the tenant's landing folder into its bronze tables (exactly once)."""
    opened = open_workspace(workspace)
    tenant_id = resolve_tenant(opened, tenant)
    if watch:
        console.print(
            f"Watching {opened.landing_dir(tenant_id)} every {interval:g}s (Ctrl-C stops)."
        )

        def locked(exc: WorkspaceLockedError) -> None:
            err_console.print(f"[yellow]skipped a poll:[/] {exc}", highlight=False)

        watch_ingest(
            opened,
            tenant_id,
            interval_s=interval,
            strict=strict,
            wait_s=wait,
            on_summary=lambda s: print_summary(s, quiet_when_idle=True),
            on_locked=locked,
        )
        return
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("ingest", total=None)

        def progress(label: str, done: int, total: int) -> None:
            bar.update(task, description=label[-60:], completed=done - 1, total=total)

        summary = run_ingest(opened, tenant_id, strict=strict, wait_s=wait, progress=progress)
    print_summary(summary)
    if summary.exit_code:
        raise typer.Exit(summary.exit_code)


def layouts(
    workspace: WorkspaceOption = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the source layouts in effect: built-in ones and the workspace's layouts/*.toml."""
    root = workspace.expanduser().resolve()
    found = load_layouts(open_workspace(root).root if (root / "revlake.toml").is_file() else None)
    if as_json:
        payload = [
            {
                "name": layout.name,
                "source": layout.source,
                "description": layout.description,
                "origin": layout.origin,
                "required": list(layout.required),
                "optional": list(layout.optional),
                "aliases": layout.aliases,
                "file_names": list(layout.file_names),
            }
            for layout in found
        ]
        typer.echo(json.dumps(payload, indent=2))
        return
    table = Table(title=f"{len(found)} layouts (bronze table = layout name)", title_justify="left")
    table.add_column("layout")
    table.add_column("source")
    table.add_column("required columns")
    table.add_column("optional", justify="right")
    table.add_column("defined in")
    for layout in found:
        table.add_row(
            layout.name,
            layout.source,
            ", ".join(layout.required),
            str(len(layout.optional)),
            "built-in" if layout.origin.startswith("builtin:") else layout.origin,
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command()(layouts)
