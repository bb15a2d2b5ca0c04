"""`revlake serve`: the REST API and the web dashboard in one ASGI server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from revlake.api.server import DEFAULT_HOST, DEFAULT_PORT, serve
from revlake.cli.common import WorkspaceOption, console, open_workspace


def serve_command(
    workspace: WorkspaceOption = Path("."),
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = DEFAULT_HOST,
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")
    ] = DEFAULT_PORT,
    log_level: Annotated[
        str, typer.Option("--log-level", help="uvicorn log level (info, warning, ...).")
    ] = "info",
) -> None:
    """Serve API v1 (/api/v1, docs at /docs) and the dashboard (/) for every tenant."""
    opened = open_workspace(workspace)
    console.print(
        f"revlake serving [bold]{opened.root}[/] on http://{host}:{port}/ "
        f"(API docs: http://{host}:{port}/docs)",
        highlight=False,
    )
    serve(opened, host, port, log_level=log_level)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
