"""Continuous mode: poll the landing folder and ingest whatever is new (`ingest --watch`)."""

from __future__ import annotations

import time
from collections.abc import Callable

from revlake.errors import WorkspaceLockedError
from revlake.ingest.run import run_ingest
from revlake.ingest.summary import IngestSummary
from revlake.workspace import Workspace


def watch_ingest(
    workspace: Workspace,
    tenant: str,
    *,
    interval_s: float = 5.0,
    strict: bool = False,
    wait_s: float = 0.0,
    max_polls: int | None = None,
    on_summary: Callable[[IngestSummary], None] | None = None,
    on_locked: Callable[[WorkspaceLockedError], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Run `run_ingest` every `interval_s` seconds; returns the number of polls made.

    A poll that finds the workspace locked by another command is skipped (reported via
    `on_locked`) and tried again at the next poll; `max_polls` bounds the loop (tests).
    """
    polls = 0
    while max_polls is None or polls < max_polls:
        polls += 1
        try:
            summary = run_ingest(workspace, tenant, strict=strict, wait_s=wait_s)
        except WorkspaceLockedError as exc:
            if on_locked:
                on_locked(exc)
        else:
            if on_summary:
                on_summary(summary)
        if max_polls is None or polls < max_polls:
            sleep(interval_s)
    return polls
