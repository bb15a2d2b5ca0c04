"""Options and output helpers shared by every CLI command module."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import Progress, ProgressColumn, SpinnerColumn, TextColumn, TimeElapsedColumn

from revlake.workspace import Workspace

if TYPE_CHECKING:
    from revlake.queries.precompute import Precomputed

console = Console()
err_console = Console(stderr=True, soft_wrap=True)

WorkspaceOption = Annotated[
    Path,
    typer.Option(
        "--workspace",
        "-w",
        envvar="REVLAKE_WORKSPACE",
        help="Workspace folder (holds revlake.toml). Defaults to the current folder.",
        show_default=False,
    ),
]
TenantOption = Annotated[
    str | None,
    typer.Option("--tenant", "-t", help="Tenant id; defaults to the workspace's only tenant."),
]


def open_workspace(path: Path) -> Workspace:
    """Open the workspace named by --workspace / REVLAKE_WORKSPACE."""
    return Workspace.open(path)


def resolve_tenant(workspace: Workspace, tenant: str | None) -> str:
    """The tenant the user named, or the only one; an error lists them when ambiguous."""
    from revlake.errors import InputError

    if tenant is not None:
        return workspace.tenant(tenant).id
    tenants = workspace.settings.tenants
    if len(tenants) == 1:
        return tenants[0].id
    names = ", ".join(t.id for t in tenants) or "(none)"
    raise InputError(f"this workspace has several tenants; choose one with --tenant ({names})")


def spinner_progress(*extra_columns: ProgressColumn) -> Progress:
    """A transient spinner on stderr for a step of unknown length: description, time taken.

    `extra_columns` go between the description and the elapsed time (a bar, a counter).
    """
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        *extra_columns,
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


def print_precomputed(precomputed: Precomputed | None) -> None:
    """One line: how many answers (deals, forecasts, page views) the publish stored, and
    what it left."""
    if precomputed is None:
        return
    console.print(
        f"precomputed {len(precomputed.answers):,} answers (deals, forecasts, pages) "
        f"in {precomputed.seconds:.1f} s",
        highlight=False,
    )
    for reason in precomputed.skipped:
        console.print(f"  not precomputed: {reason}", highlight=False)
