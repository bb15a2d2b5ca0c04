"""The REST API (FastAPI) and the server that also hosts the web dashboard.

`create_app` is imported on first use (PEP 562): the app pulls in every route and the
models behind them, which the CLI must not pay for at start-up (`revlake --help`,
`revlake serve --help`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from revlake.api.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from revlake.api.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
