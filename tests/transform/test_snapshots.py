"""Atomic publication: the CURRENT pointer, pruning, and what a reader sees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from revlake.transform import snapshots


def _make(snapshots_dir: Path, minute: int) -> Path:
    path = snapshots.new_snapshot_path(
        snapshots_dir, now=datetime(2026, 11, 21, 8, 0, tzinfo=UTC) + timedelta(minutes=minute)
    )
    path.write_bytes(b"build")
    return path


def test_nothing_published_yet(tmp_path: Path) -> None:
    assert snapshots.current_snapshot(tmp_path) is None
    assert snapshots.list_snapshots(tmp_path / "missing") == []


def test_new_paths_are_unique_and_sortable(tmp_path: Path) -> None:
    now = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    first = snapshots.new_snapshot_path(tmp_path, now=now)
    first.write_bytes(b"x")
    second = snapshots.new_snapshot_path(tmp_path, now=now)
    assert second != first and not second.exists()
    later = snapshots.new_snapshot_path(tmp_path, now=now + timedelta(seconds=1))
    assert sorted([later.name, first.name]) == [first.name, later.name]


def test_publish_points_current_at_the_build(tmp_path: Path) -> None:
    old = _make(tmp_path, 0)
    snapshots.publish(old)
    new = _make(tmp_path, 1)
    assert snapshots.current_snapshot(tmp_path) == old  # writing a file publishes nothing
    snapshots.publish(new)
    assert snapshots.current_snapshot(tmp_path) == new
    assert (tmp_path / snapshots.CURRENT_FILE).read_text().strip() == new.name
    assert not list(tmp_path.glob(".CURRENT*"))  # the temporary pointer is gone


def test_publish_keeps_the_newest_n(tmp_path: Path) -> None:
    builds = [_make(tmp_path, minute) for minute in range(5)]
    removed = snapshots.publish(builds[-1], keep=3)
    assert removed == builds[:2]
    assert snapshots.list_snapshots(tmp_path) == builds[2:]


def test_prune_never_deletes_the_current_build(tmp_path: Path) -> None:
    builds = [_make(tmp_path, minute) for minute in range(3)]
    snapshots.publish(builds[0], keep=10)
    snapshots.prune(tmp_path, keep=1)
    assert snapshots.current_snapshot(tmp_path) == builds[0]
    assert snapshots.list_snapshots(tmp_path) == [builds[0], builds[2]]
    with pytest.raises(ValueError):
        snapshots.prune(tmp_path, keep=0)


def test_discard_removes_the_wal_too(tmp_path: Path) -> None:
    build = _make(tmp_path, 0)
    wal = Path(f"{build}.wal")
    wal.write_bytes(b"wal")
    snapshots.discard(build)
    assert not build.exists() and not wal.exists()


def test_current_pointing_at_a_missing_file_is_nothing(tmp_path: Path) -> None:
    (tmp_path / snapshots.CURRENT_FILE).write_text("gone.duckdb\n")
    assert snapshots.current_snapshot(tmp_path) is None


def test_building_file_is_renamed_on_finalize_and_never_listed(tmp_path: Path) -> None:
    building = snapshots.building_path(tmp_path)
    building.write_bytes(b"in progress")
    assert snapshots.list_snapshots(tmp_path) == []  # a build in progress is no snapshot
    assert snapshots.building_path(tmp_path) == building and not building.exists()  # leftover
    building.write_bytes(b"done")
    final = snapshots.finalize(building, now=datetime(2026, 11, 21, 9, 0, tzinfo=UTC))
    assert final.name == "20261121T090000000000Z.duckdb"
    assert not building.exists() and final.read_bytes() == b"done"
    assert snapshots.list_snapshots(tmp_path) == [final]
