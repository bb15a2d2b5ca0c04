"""Scorers inside `batched_publish` share one copy of the build, published once or never."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from revlake.ml.service import batched_publish, publish_with_tables
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
