"""The Typer application and the process entry point (`revlake`).

Exit codes: 0 ok, 1 failed, 2 bad usage or bad input.
"""

from __future__ import annotations

import sys

import typer

from revlake import __version__
from revlake.cli import (
    alerts_cmd,
    ap_cmd,
    ar_cmd,
    build_cmd,
    churn_cmd,
    databricks_cmd,
    forecast_cmd,
    generate_cmd,
    ingest_cmd,
    ml_cmd,
    retention_cmd,
    revrec_cmd,
    run_cmd,
    serve_cmd,
    store_cmd,
    tax_cmd,
    workspace_cmd,
)
from revlake.cli.common import err_console
from revlake.errors import RevlakeError

app = typer.Typer(
    name="revlake",
    help="revlake: revenue intelligence lakehouse (ingest → bronze → silver/gold → serve).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

# Each command module adds its commands here; keep this list the only registry.
for module in (
    workspace_cmd,
    retention_cmd,
    revrec_cmd,
    store_cmd,
    ingest_cmd,
    generate_cmd,
    build_cmd,
    run_cmd,
    databricks_cmd,
    serve_cmd,
    ml_cmd,
    churn_cmd,
    forecast_cmd,
    tax_cmd,
    ap_cmd,
    ar_cmd,
    alerts_cmd,
):
    module.register(app)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"revlake {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Print the version."
    ),
) -> None:
    """revlake: revenue intelligence lakehouse."""


def main() -> None:
    """Run the CLI, turning revlake errors into a message and an exit code."""
    from revlake.workspace import use_private_umask

    use_private_umask()  # everything a command creates is 0600 / 0700
    try:
        app()
    except RevlakeError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
