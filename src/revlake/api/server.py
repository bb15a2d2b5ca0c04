"""Run the server: `serve(workspace, host, port)` (used by `revlake serve` and `make demo`).

`demo_key(workspace, tenant)` creates an API key for the dashboard login, so a demo can
print a URL and a key that work right away.
"""

from __future__ import annotations

import gc
import socket
from pathlib import Path

from revlake.errors import InputError
from revlake.store.keys import create_key
from revlake.store.tenants import sync_tenants
from revlake.store.workspace_store import open_store
from revlake.workspace import Workspace

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def check_port(host: str, port: int) -> None:
    """InputError naming the address when something already listens there."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise InputError(
                f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port"
            ) from None


def freeze_startup_objects() -> None:
    """Take everything alive once the app is built out of the garbage collector's scans.

    Python's full collection walks every tracked object. A started server holds about
    250,000 (its modules, the app, the dashboard's templates), so each full collection
    paused every request for 110–460 ms on the 2-core machine: the rare slow request
    after a publish (docs/PERFORMANCE.md, "Garbage collection pauses"). Those objects
    live as long as the process; frozen, a full collection walks only what requests and
    builds created since (a few tens of thousands of objects).
    """
    gc.collect()
    gc.freeze()


def demo_key(workspace: Workspace | Path | str, tenant_id: str, role: str = "admin") -> str:
    """A new API key for `tenant_id` (the tenant is added to the store if missing)."""
    opened = workspace if isinstance(workspace, Workspace) else Workspace.open(workspace)
    store = open_store(opened)
    try:
        with store.write() as session:
            sync_tenants(session, opened.settings.tenants, actor="revlake demo")
            created = create_key(
                session, tenant_id=tenant_id, role=role, actor="revlake demo", name="demo"
            )
        return created.key
    finally:
        store.dispose()


def serve(
    workspace: Workspace | Path | str,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    log_level: str = "info",
) -> None:
    """Serve the API (/api/v1, docs at /docs) and the dashboard (/) until interrupted."""
    check_port(host, port)
    import uvicorn

    from revlake.api.app import create_app

    app = create_app(workspace)
    freeze_startup_objects()
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)
