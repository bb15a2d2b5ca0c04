"""Atomic publication: the CURRENT pointer, pruning, and what a reader sees."""

from __future__ import annotations

import errno
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from revlake.errors import RevlakeError
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


def test_a_copy_the_disk_cannot_hold_fails_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An incremental build or a scored publish copies the published file first; on a disk
    without room for it, it stops before writing anything, naming the sizes and the folder."""
    published = tmp_path / "20261207T000000000000Z.duckdb"
    published.write_bytes(b"x" * 2**20)
    target = tmp_path / snapshots.BUILDING_NAME
    monkeypatch.setattr(
        snapshots.shutil,
        "disk_usage",
        lambda path: SimpleNamespace(total=2**30, used=2**30 - 2**19, free=2**19),
    )
    with pytest.raises(RevlakeError, match="not enough free disk") as raised:
        snapshots.copy_snapshot(published, target)
    assert str(tmp_path) in str(raised.value) and "0.0 GiB free" in str(raised.value)
    assert not target.exists()


def test_a_copy_that_fails_midway_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copy that fails part way (the disk filled meanwhile) removes what it wrote and says
    why; the published file is untouched."""
    published = tmp_path / "20261207T000000000000Z.duckdb"
    published.write_bytes(b"x" * 4096)
    target = tmp_path / snapshots.BUILDING_NAME

    def fill_the_disk(source: Path, destination: Path) -> None:
        Path(destination).write_bytes(b"x" * 1024)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(snapshots.shutil, "copyfile", fill_the_disk)
    with pytest.raises(RevlakeError, match="No space left on device"):
        snapshots.copy_snapshot(published, target)
    assert not target.exists()
    assert published.read_bytes() == b"x" * 4096


def test_a_copy_keeps_every_byte(tmp_path: Path) -> None:
    published = tmp_path / "20261207T000000000000Z.duckdb"
    published.write_bytes(bytes(range(256)) * 64)
    target = tmp_path / snapshots.BUILDING_NAME
    snapshots.copy_snapshot(published, target)
    assert target.read_bytes() == published.read_bytes()
