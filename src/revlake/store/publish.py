"""Publishing a snapshot and recording it in the audit chain, as one step.

Every command that makes a build the one readers see (`build`, `score`, `churn score`,
`forecast --publish`, `run`) goes through `publish_audited`: inside one store write
transaction it appends `snapshot.published` (previous and new snapshot, the command, the
run when there is one) and swaps the CURRENT pointer; if the transaction cannot commit,
the pointer is put back, so a publish without its audit entry cannot happen. Old builds
are pruned after the commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from revlake.store.actors import os_actor
from revlake.store.runs import record_publish
from revlake.store.tenants import sync_tenants
from revlake.store.workspace_store import open_store
from revlake.transform import snapshots
from revlake.workspace import Workspace

_RUN: ContextVar[tuple[int, str] | None] = ContextVar("revlake_publishing_run", default=None)


@contextmanager
def publishing_run(run_id: int, actor: str) -> Iterator[None]:
    """Publishes inside this block are recorded as made by run `run_id` (and `actor`)."""
    token = _RUN.set((run_id, actor))
    try:
        yield
    finally:
        _RUN.reset(token)


def publish_audited(
    workspace: Workspace,
    tenant_id: str,
    snapshot_path: Path,
    *,
    command: str,
    keep: int = snapshots.DEFAULT_KEEP,
    actor: str | None = None,
) -> list[Path]:
    """Make `snapshot_path` the tenant's published build and audit it; returns pruned files."""
    run = _RUN.get()
    who = actor or (run[1] if run else os_actor())
    folder = snapshot_path.parent
    previous = snapshots.current_snapshot(folder)
    store = open_store(workspace)
    try:
        swapped = False
        try:
            with store.write() as session:
                sync_tenants(session, workspace.settings.tenants, actor="revlake.toml")
                record_publish(
                    session,
                    tenant_id=tenant_id,
                    snapshot=snapshot_path.name,
                    actor=who,
                    previous=previous.name if previous else None,
                    run_id=run[0] if run else None,
                    command=command,
                )
                snapshots.set_current(folder, snapshot_path)
                swapped = True
        except BaseException:
            if swapped:  # the entry was not committed: readers go back to the old build
                snapshots.set_current(folder, previous)
            raise
    finally:
        store.dispose()
    return snapshots.prune(folder, keep)
