"""Fixtures for ingest tests: a fresh workspace, a way to drop files, a bronze reader."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from revlake.ingest import IngestSummary, run_ingest
from revlake.workspace import Workspace, init_workspace

TENANT = "acme"
SUBS_HEADER = "subscription_id,customer_id,start_date,monthly_amount"


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return init_workspace(tmp_path / "ws", [TENANT])


@pytest.fixture
def drop(workspace: Workspace) -> Callable[[str, bytes], Path]:
    """Write bytes to a path under the tenant's landing folder."""

    def _drop(relative: str, content: bytes) -> Path:
        path = workspace.landing_dir(TENANT) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        return path

    return _drop


@pytest.fixture
def ingest(workspace: Workspace) -> Callable[..., IngestSummary]:
    def _ingest(**kwargs: Any) -> IngestSummary:
        return run_ingest(workspace, TENANT, **kwargs)

    return _ingest


@pytest.fixture
def query(workspace: Workspace) -> Iterator[Callable[..., list[tuple[Any, ...]]]]:
    """Run a read-only query on the tenant's bronze database."""

    def _query(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        con = duckdb.connect(str(workspace.bronze_path(TENANT)), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    yield _query
