"""`revlake ingest`, `revlake layouts [explain]`, `revlake quarantine`: landing → bronze."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
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
from revlake.ingest.explain import Explanation, explain_file
from revlake.ingest.options import IngestOptions
from revlake.ingest.quarantine import dismiss_quarantined, list_quarantine
from revlake.ingest.summary import FileStatus
from revlake.ingest.values import describe

_STATUS_STYLE = {
    FileStatus.LOADED: "green",
    FileStatus.EMPTY: "dim",
    FileStatus.DUPLICATE: "dim",
    FileStatus.UNRECOGNISED: "yellow",
    FileStatus.UNSUPPORTED: "yellow",
    FileStatus.DEFERRED: "cyan",
    FileStatus.REFUSED: "yellow",
    FileStatus.QUARANTINED: "bold red",
}


def summary_table(summary: IngestSummary) -> Table:
    """The per-file summary: layout (never cut), rows loaded, rejected, new columns."""
    table = Table(title=f"ingest {summary.load_id} (tenant {summary.tenant})", title_justify="left")
    table.add_column("file", overflow="fold", min_width=18, ratio=2)
    table.add_column("status", no_wrap=True)
    widest = max((len(f.layout or "") for f in summary.files), default=6)
    table.add_column("layout", no_wrap=True, min_width=max(6, widest))
    table.add_column("loaded", justify="right", no_wrap=True)
    table.add_column("rejected", justify="right", no_wrap=True)
    table.add_column("new columns", overflow="fold", ratio=1)
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
    extra = [f"{summary.files_unchanged} unchanged"]
    if summary.files_ignored:
        extra.append(f"{summary.files_ignored} ignored (hidden, editor lock/backup)")
    if summary.files_dismissed:
        extra.append(f"{summary.files_dismissed} dismissed")
    table.add_row(
        f"{len(summary.files)} file(s), " + ", ".join(extra),
        "",
        "",
        f"{summary.rows_loaded:,}",
        f"{summary.rows_rejected:,}",
        "",
    )
    return table


def print_summary(summary: IngestSummary, *, quiet_when_idle: bool = False) -> None:
    """Print the summary table, then notes, problem files and the rejects hint (stderr)."""
    if quiet_when_idle and not summary.files:
        return
    if not summary.files:
        hint = ""
        if summary.files_ignored:
            hint = f"; {summary.files_ignored} hidden or editor file(s) ignored"
        console.print(f"Nothing new to ingest ({summary.files_unchanged} file(s) unchanged{hint}).")
        return
    console.print(summary_table(summary))
    for result in summary.files:
        for note in result.notes:
            err_console.print(
                f"[cyan]note:[/] {escape(result.path)}: {escape(note)}", highlight=False
            )
    for result in [*summary.problems, *summary.deferred]:
        style = _STATUS_STYLE[result.status]
        err_console.print(
            f"[{style}]{result.status.value}:[/] {escape(result.message)}", highlight=False
        )
    if summary.rows_rejected:
        err_console.print(
            f"{summary.rows_rejected:,} row(s) rejected: see table _rejects "
            f"(load_id = '{summary.load_id}') in the tenant's bronze.duckdb"
        )
    if summary.quarantined:
        err_console.print(
            f"{len(summary.quarantined)} file(s) quarantined: fix or replace them (they are "
            "retried on every run), or `revlake quarantine dismiss PATH`"
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


layouts_app = typer.Typer(
    help="The source layouts in effect, and why a file matches one.",
    invoke_without_command=True,
    no_args_is_help=False,
)


@layouts_app.callback()
def layouts(
    context: typer.Context,
    workspace: WorkspaceOption = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the source layouts in effect: built-in ones and the workspace's layouts/*.toml."""
    if context.invoked_subcommand is not None:
        return
    found = load_layouts(_workspace_root(workspace))
    if as_json:
        payload = [
            {
                "name": layout.name,
                "source": layout.source,
                "description": layout.description,
                "origin": layout.origin,
                "required": list(layout.required),
                "optional": list(layout.optional),
                "distinctive": list(layout.distinctive),
                "aliases": layout.aliases,
                "types": dict(layout.types),
                "formats": dict(layout.formats),
                "file_names": list(layout.file_names),
            }
            for layout in found
        ]
        typer.echo(json.dumps(payload, indent=2))
        return
    table = Table(title=f"{len(found)} layouts (bronze table = layout name)", title_justify="left")
    table.add_column("layout", no_wrap=True)
    table.add_column("source")
    table.add_column("required columns", overflow="fold")
    table.add_column("optional", justify="right")
    table.add_column("defined in", overflow="fold")
    for layout in found:
        table.add_row(
            layout.name,
            layout.source,
            ", ".join(layout.required),
            str(len(layout.optional)),
            "built-in" if layout.origin.startswith("builtin:") else layout.origin,
        )
    console.print(table)


def _workspace_root(workspace: Path) -> Path | None:
    root = workspace.expanduser().resolve()
    return open_workspace(root).root if (root / "revlake.toml").is_file() else None


@layouts_app.command("explain")
def layouts_explain(
    file: Annotated[Path, typer.Argument(help="The export to explain (CSV, JSON lines, …).")],
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Why a file matches a layout (or none), column by column, with detected formats."""
    root = _workspace_root(workspace)
    options = None
    if root is not None:
        opened = open_workspace(root)
        tenant_id = resolve_tenant(opened, tenant)
        options = IngestOptions.for_tenant(opened, tenant_id)
    else:
        tenant_id = ""
    explanation = explain_file(file.expanduser(), load_layouts(root), options, tenant=tenant_id)
    if as_json:
        typer.echo(json.dumps(explanation_payload(explanation), indent=2, default=str))
        return
    print_explanation(explanation)


def explanation_payload(explanation: Explanation) -> dict[str, Any]:
    """The explanation as JSON-able data."""
    return {
        "file": explanation.path,
        "verdict": explanation.verdict,
        "layout": explanation.chosen,
        "rows": explanation.rows,
        "ranked": [
            {
                "layout": e.layout.name,
                "fits": e.fits,
                "evidence": round(e.score, 2),
                "present": list(e.present),
                "missing_required": list(e.missing_required),
                "distinctive_present": list(e.distinctive_present),
                "file_name_matches": e.by_name,
            }
            for e in explanation.ranked
        ],
        "columns": [
            {
                "header": c.header,
                "column": c.column,
                "role": c.role,
                "declared": c.declared,
                "kind": c.detected.kind.value if c.detected else None,
                "format": c.detected.code if c.detected else None,
                "invalid": c.detected.invalid if c.detected else None,
                "evidence": c.detected.evidence if c.detected else None,
            }
            for c in explanation.columns
        ],
        "missing": list(explanation.missing),
        "notes": list(explanation.notes),
    }


def print_explanation(explanation: Explanation) -> None:
    console.print(
        f"[bold]{escape(explanation.path)}[/]: {escape(explanation.verdict)}", highlight=False
    )
    ranked = Table(title="layouts by evidence", title_justify="left")
    for name in ("layout", "fits", "evidence", "why"):
        ranked.add_column(name, overflow="fold", no_wrap=name == "layout")
    for e in explanation.ranked:
        why = (
            f"{len(e.present)} of its columns present"
            + (
                f", distinctive: {', '.join(e.distinctive_present)}"
                if e.distinctive_present
                else ""
            )
            + (", file name matches" if e.by_name else "")
            if e.fits
            else e.why_not()
        )
        ranked.add_row(e.layout.name, "yes" if e.fits else "no", f"{e.score:.1f}", why)
    console.print(ranked)
    if explanation.columns:
        columns = Table(title=f"columns as {explanation.chosen} sees them", title_justify="left")
        for name in ("header", "bronze column", "role", "declared", "detected format", "invalid"):
            columns.add_column(name, overflow="fold")
        for c in explanation.columns:
            detected = c.detected
            columns.add_row(
                c.header,
                c.column,
                c.role,
                c.declared or "",
                f"{detected.kind.value}: {describe(detected.code)}"
                if detected and detected.code
                else (f"{detected.kind.value}: {detected.evidence}" if detected else ""),
                f"{detected.invalid:,}" if detected and detected.invalid else "",
            )
        console.print(columns)
    if explanation.missing:
        console.print(
            "layout columns this file lacks: " + ", ".join(explanation.missing), highlight=False
        )
    for note in explanation.notes:
        console.print(f"[cyan]note:[/] {escape(note)}", highlight=False)


quarantine_app = typer.Typer(
    help="Files ingest could not load: list them, dismiss the ones you do not need.",
    invoke_without_command=True,
    no_args_is_help=False,
)


@quarantine_app.callback()
def quarantine(
    context: typer.Context,
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    include_closed: Annotated[
        bool, typer.Option("--all", help="Also resolved and dismissed files.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the tenant's quarantined landing files and why each could not be loaded."""
    if context.invoked_subcommand is not None:
        return
    opened = open_workspace(workspace)
    tenant_id = resolve_tenant(opened, tenant)
    records = list_quarantine(opened.bronze_path(tenant_id), include_closed=include_closed)
    if as_json:
        typer.echo(json.dumps([asdict(r) for r in records], indent=2, default=str))
        return
    if not records:
        console.print("No quarantined files.")
        return
    table = Table(title=f"quarantine (tenant {tenant_id})", title_justify="left")
    for name in ("file", "status", "since", "reason"):
        table.add_column(name, overflow="fold")
    for record in records:
        table.add_row(
            escape(record.path),
            record.status,
            f"{record.first_seen_at:%Y-%m-%d %H:%M}",
            escape(record.reason),
        )
    console.print(table)


@quarantine_app.command("dismiss")
def quarantine_dismiss(
    path: Annotated[str, typer.Argument(help="The file's path in the landing folder.")],
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    wait: Annotated[
        float, typer.Option("--wait", help="Seconds to wait for the workspace lock.")
    ] = 0.0,
) -> None:
    """Stop retrying a quarantined file (this exact content); a new version is tried again."""
    opened = open_workspace(workspace)
    tenant_id = resolve_tenant(opened, tenant)
    count = dismiss_quarantined(
        opened, tenant_id, path, actor="revlake quarantine dismiss", wait_s=wait
    )
    console.print(f"Dismissed {count} quarantined version(s) of {path}.")


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.add_typer(layouts_app, name="layouts")
    app.add_typer(quarantine_app, name="quarantine")
