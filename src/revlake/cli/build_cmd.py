"""`revlake build` and `revlake docs`: bronze → silver/gold with dbt, and its lineage site."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import TextColumn
from rich.table import Table

from revlake.cli import alerts_cmd
from revlake.cli.common import (
    TenantOption,
    WorkspaceOption,
    console,
    err_console,
    open_workspace,
    resolve_tenant,
    spinner_progress,
)
from revlake.errors import InputError
from revlake.transform.build import BuildSummary, build_tenant
from revlake.transform.docs import generate_docs
from revlake.transform.snapshots import DEFAULT_KEEP


class Engine(StrEnum):
    """Where `revlake build` runs the models."""

    DUCKDB = "duckdb"
    SPARK = "spark"


WaitOption = Annotated[
    float, typer.Option("--wait", help="Seconds to wait for another command's workspace lock.")
]


def parse_vars(items: list[str]) -> dict[str, object]:
    """`--var KEY=VALUE` options as a mapping; a VALUE that is JSON (true, 3, "x") is decoded."""
    result: dict[str, object] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--var {item!r}: expected KEY=VALUE")
        try:
            result[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            result[key.strip()] = value
    return result


def summary_table(summary: BuildSummary) -> Table:
    """Rows per gold table of the build."""
    state = "" if summary.published else ", not published"
    table = Table(title=f"gold rows (tenant {summary.tenant}{state})", title_justify="left")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in sorted(summary.gold_rows.items()):
        table.add_row(name, f"{rows:,}")
    return table


def print_summary(summary: BuildSummary) -> None:
    """The build summary: models, tests passed/failed, rows per gold table, the verdict."""
    if summary.plan is not None:
        plan = summary.plan
        if summary.up_to_date:
            where = (
                f"; the published build stays {summary.snapshot.name}" if summary.snapshot else ""
            )
            console.print(
                f"[green]up to date:[/] {escape(plan.reason)}{escape(where)} "
                "(`revlake build --full` rebuilds everything)",
                highlight=False,
            )
            return
        detail = f"{plan.mode}: {plan.reason}"
        if plan.roots:
            detail += f"; rebuilt from {', '.join(plan.roots)} downstream"
        console.print(f"[bold]build[/] {escape(detail)}", highlight=False)
    console.print(
        f"models: {summary.models_built}/{summary.models_total} built · "
        f"tests: {summary.tests_passed} passed, {summary.tests_failed} failed "
        f"(of {summary.tests_total}) · skipped: {summary.skipped} · "
        f"{summary.wall_s:.1f}s ({summary.engine_s:.1f}s in nodes)",
        highlight=False,
    )
    if summary.gold_rows:
        console.print(summary_table(summary))
    for node in summary.failures:
        err_console.print(
            f"[bold red]{node.status}:[/] {node.resource_type} {node.name}: {node.message.strip()}",
            highlight=False,
        )
    if summary.coverage is not None:
        for metric in summary.coverage.metrics:
            style = "yellow" if metric.rows == 0 else "dim"
            console.print(f"[{style}]coverage:[/] {escape(metric.message)}", highlight=False)
        for warning in summary.coverage.unread_tables:
            err_console.print(f"[yellow]unread:[/] {escape(warning)}", highlight=False)
        for line in summary.coverage.superseded:
            console.print(f"[dim]versions:[/] {escape(line)}", highlight=False)
    if summary.published:
        console.print(f"[green]published[/] {summary.snapshot}")
    else:
        err_console.print(
            "[bold red]not published:[/] a model or test failed; the previous build stays current"
            + (f" (dbt's log: {summary.log_file})" if summary.log_file else ""),
        )


def build(
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    keep: Annotated[
        int, typer.Option("--keep", min=1, help="Published builds to keep (snapshots).")
    ] = DEFAULT_KEEP,
    threads: Annotated[int, typer.Option("--threads", min=1, help="dbt threads.")] = 2,
    select: Annotated[
        str | None, typer.Option("--select", "-s", help="dbt node selection (default: all).")
    ] = None,
    var: Annotated[
        list[str] | None,
        typer.Option(
            "--var", help="Extra dbt var KEY=VALUE (repeatable), e.g. include_trials=true."
        ),
    ] = None,
    wait: WaitOption = 0.0,
    engine: Annotated[
        Engine,
        typer.Option(
            "--engine",
            help="Where the models run: duckdb, or spark (a local Spark session, or the "
            "cluster named by the spark_master setting); both publish the same build.",
            case_sensitive=False,
        ),
    ] = Engine.DUCKDB,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Rebuild every model (default: only the models that bronze loads which "
            "arrived since the published build feed; nothing when none arrived).",
        ),
    ] = False,
) -> None:
    """Build silver and gold from bronze with dbt, test them, and publish if all pass."""
    if engine is Engine.SPARK and select:
        raise typer.BadParameter(
            "works with --engine duckdb only: a Spark build rebuilds what new bronze loads "
            "feed (all of it with --full)",
            param_hint="--select",
        )
    if full and select:
        raise typer.BadParameter(
            "--full rebuilds every model; --select rebuilds only the selection: use one",
            param_hint="--full",
        )
    opened = open_workspace(workspace)
    tenant_id = resolve_tenant(opened, tenant)
    extra = parse_vars(var or [])
    with spinner_progress(TextColumn("{task.completed} nodes")) as progress:
        task = progress.add_task(f"dbt build on {engine} (tenant {tenant_id})", total=None)

        def advance(unique_id: str, status: str) -> None:
            progress.update(task, advance=1, description=f"{unique_id.split('.')[-1]}: {status}")

        if engine is Engine.SPARK:
            from revlake.transform.spark_build import build_tenant_on_spark  # loads pyspark

            summary = build_tenant_on_spark(
                opened,
                tenant_id,
                keep=keep,
                threads=threads,
                extra_vars=extra,
                on_node_finished=advance,
                wait_s=wait,
                full=full,
            )
        else:
            summary = build_tenant(
                opened,
                tenant_id,
                keep=keep,
                threads=threads,
                extra_vars=extra,
                select=select,
                on_node_finished=advance,
                wait_s=wait,
                full=full,
            )
    print_summary(summary)
    if not summary.ok:
        raise typer.Exit(1)
    if summary.published:
        alerts_cmd.after_publish(opened, tenant_id)


def docs(
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for index.html (default: tenants/<tenant>/docs)."),
    ] = None,
    wait: WaitOption = 0.0,
) -> None:
    """Write dbt's documentation and lineage site for the tenant's published build."""
    opened = open_workspace(workspace)
    tenant_id = resolve_tenant(opened, tenant)
    with console.status(f"dbt docs generate (tenant {tenant_id})"):
        index = generate_docs(opened, tenant_id, out_dir=out, wait_s=wait)
    console.print(f"Documentation site: {index}")


def register(app: typer.Typer) -> None:
    app.command()(build)
    app.command()(docs)
