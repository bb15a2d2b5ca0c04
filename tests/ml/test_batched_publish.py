"""Scorers inside `batched_publish` share one copy of the build, published once or never."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from revlake.ml.service import PUBLISH_MEMORY_LIMIT, batched_publish, publish_with_tables
from revlake.transform import snapshots
from revlake.workspace import Workspace, init_workspace


def _workspace_with_build(tmp_path: Path) -> Workspace:
    workspace = init_workspace(tmp_path / "ws", tenants=["acme"])
    build = snapshots.new_snapshot_path(workspace.snapshots_dir("acme"))
    con = duckdb.connect(str(build))
    con.execute("create schema gold; create table gold.base as select 1 as x")
    con.close()
    snapshots.publish(build)
    return workspace


def _adds(table: str) -> Callable[[duckdb.DuckDBPyConnection], None]:
    def write(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(f"create table gold.{table} as select 42 as y")

    return write


def _tables(path: Path) -> set[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "select table_name from information_schema.tables where table_schema = 'gold'"
        ).fetchall()
    finally:
        con.close()
    return {r[0] for r in rows}


def test_steps_in_a_batch_publish_one_snapshot_with_all_tables(tmp_path: Path) -> None:
    workspace = _workspace_with_build(tmp_path)
    folder = workspace.snapshots_dir("acme")
    before = snapshots.list_snapshots(folder)
    with batched_publish(workspace, "acme", "test") as target:
        first = publish_with_tables(workspace, "acme", "a", _adds("ml_a"))
        second = publish_with_tables(workspace, "acme", "b", _adds("ml_b"))
        assert snapshots.current_snapshot(folder) == before[-1]  # nothing published yet
    assert first == second == target == snapshots.current_snapshot(folder)
    assert len(snapshots.list_snapshots(folder)) == len(before) + 1
    assert _tables(target) == {"base", "ml_a", "ml_b"}


def test_a_failing_step_publishes_nothing_and_leaves_no_file(tmp_path: Path) -> None:
    workspace = _workspace_with_build(tmp_path)
    folder = workspace.snapshots_dir("acme")
    before = snapshots.list_snapshots(folder)
    with (
        pytest.raises(RuntimeError, match="step two failed"),
        batched_publish(workspace, "acme", "test"),
    ):
        publish_with_tables(workspace, "acme", "a", _adds("ml_a"))
        raise RuntimeError("step two failed")
    assert snapshots.list_snapshots(folder) == before
    assert snapshots.current_snapshot(folder) == before[-1]
    assert _tables(before[-1]) == {"base"}


def test_outside_a_batch_each_call_publishes_its_own_copy(tmp_path: Path) -> None:
    workspace = _workspace_with_build(tmp_path)
    folder = workspace.snapshots_dir("acme")
    first = publish_with_tables(workspace, "acme", "a", _adds("ml_a"))
    second = publish_with_tables(workspace, "acme", "b", _adds("ml_b"))
    assert first != second == snapshots.current_snapshot(folder)
    assert _tables(second) == {"base", "ml_a", "ml_b"}


def _publish_limit(workspace: Workspace) -> str:
    seen: list[str] = []

    def read(con: duckdb.DuckDBPyConnection) -> None:
        row = con.execute("select current_setting('memory_limit')").fetchone()
        assert row is not None
        seen.append(str(row[0]))

    publish_with_tables(workspace, "acme", "limit", read)
    return seen[0]


def _duckdb_renders(limit: str) -> str:
    con = duckdb.connect(config={"memory_limit": limit})
    try:
        row = con.execute("select current_setting('memory_limit')").fetchone()
    finally:
        con.close()
    assert row is not None
    return str(row[0])


def test_the_publish_copy_is_bounded_by_the_workspace_build_memory_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = _workspace_with_build(tmp_path)
    assert _publish_limit(workspace) == _duckdb_renders(PUBLISH_MEMORY_LIMIT)
    monkeypatch.setenv("REVLAKE_BUILD_MEMORY_LIMIT", "3GB")
    raised = Workspace.open(workspace.root)
    assert raised.settings.workspace.build_memory_limit == "3GB"
    assert _publish_limit(raised) == _duckdb_renders("3GB") != _duckdb_renders("1GB")
