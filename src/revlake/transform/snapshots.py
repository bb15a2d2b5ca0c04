"""Atomic publication of builds: one DuckDB file per build and a CURRENT pointer.

Layout of `Workspace.snapshots_dir(tenant)`::

    20261121T083000123456Z.duckdb   one file per successful (published) build
    CURRENT                         the file name of the published build
    _building.duckdb                the build in progress (under the workspace lock)

A build writes a new file (`_building.duckdb`: a stable name keeps dbt's profile, and so
its partial parsing, valid from one build to the next); only when every model and test
passed is it renamed to its timestamped name and CURRENT replaced (`os.replace`, atomic on
POSIX and Windows), so a reader opening CURRENT always gets a complete, tested build.
The newest `keep` published files are kept: they are the "as reported on date X"
snapshots finance asks for. A failed build's file is deleted.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from revlake.errors import RevlakeError

CURRENT_FILE = "CURRENT"
SNAPSHOT_SUFFIX = ".duckdb"
ANSWERS_SUFFIX = ".answers"
"""Suffix of the precomputed-answers file beside a build (`revlake.reader.answers`)."""
DEFAULT_KEEP = 10
BUILDING_NAME = "_building.duckdb"
COPY_HEADROOM = 1.1
"""Free disk a copy of a published build needs, as a multiple of its size (an incremental
build then grows its copy, by ≈ 1.3× at 100k customers: docs/PERFORMANCE.md)."""


def new_snapshot_path(snapshots_dir: Path, now: datetime | None = None) -> Path:
    """A fresh, not yet existing file name for a build (UTC timestamp, sortable)."""
    snapshots_dir.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    path = snapshots_dir / f"{stamp}{SNAPSHOT_SUFFIX}"
    counter = 1
    while path.exists():
        path = snapshots_dir / f"{stamp}-{counter}{SNAPSHOT_SUFFIX}"
        counter += 1
    return path


def building_path(snapshots_dir: Path) -> Path:
    """The file a build writes before it is published; a leftover one is removed."""
    snapshots_dir.mkdir(parents=True, exist_ok=True)
    path = snapshots_dir / BUILDING_NAME
    discard(path)
    return path


def finalize(building: Path, now: datetime | None = None) -> Path:
    """Give a finished build its timestamped name (not yet published)."""
    final = new_snapshot_path(building.parent, now=now)
    os.replace(building, final)
    wal = Path(f"{building}.wal")
    if wal.exists():
        os.replace(wal, Path(f"{final}.wal"))
    return final


def current_snapshot(snapshots_dir: Path) -> Path | None:
    """The published build, or None when nothing was published yet."""
    pointer = snapshots_dir / CURRENT_FILE
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    path = snapshots_dir / name
    return path if name and path.is_file() else None


def publish(snapshot_path: Path, keep: int = DEFAULT_KEEP) -> list[Path]:
    """Point CURRENT at `snapshot_path` atomically, then prune; returns the pruned files.

    Not audited by itself: revlake's commands publish through
    `revlake.store.publish.publish_audited`, which records the publish in the audit chain
    in the same step.
    """
    set_current(snapshot_path.parent, snapshot_path)
    return prune(snapshot_path.parent, keep)


def set_current(folder: Path, snapshot_path: Path | None) -> None:
    """Point `folder`'s CURRENT at `snapshot_path` (atomic rename); None removes it.

    The pointer and the published file are made private (0600): they hold the tenant's data.
    """
    if snapshot_path is None:
        (folder / CURRENT_FILE).unlink(missing_ok=True)
        return
    tmp = folder / f".{CURRENT_FILE}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(snapshot_path.name + "\n")
    os.chmod(snapshot_path, 0o600)
    os.replace(tmp, folder / CURRENT_FILE)


def list_snapshots(snapshots_dir: Path) -> list[Path]:
    """Published build files, oldest first."""
    if not snapshots_dir.is_dir():
        return []
    return sorted(
        p for p in snapshots_dir.glob(f"*{SNAPSHOT_SUFFIX}") if p.is_file() and p.name[:1].isdigit()
    )


def prune(snapshots_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` builds (never the current one)."""
    if keep < 1:
        raise ValueError("keep must be at least 1")
    current = current_snapshot(snapshots_dir)
    removed = []
    for path in list_snapshots(snapshots_dir)[:-keep]:
        if path == current:
            continue
        discard(path)
        removed.append(path)
    return removed


def discard(snapshot_path: Path) -> None:
    """Delete a build file, DuckDB's write-ahead log and its answers file beside it."""
    snapshot_path.unlink(missing_ok=True)
    Path(f"{snapshot_path}.wal").unlink(missing_ok=True)
    Path(f"{snapshot_path}{ANSWERS_SUFFIX}").unlink(missing_ok=True)


def copy_snapshot(source: Path, target: Path) -> None:
    """Copy a published build to `target`: an incremental or `--select` build and a scored
    publish each start from one. Fails before copying, naming both sizes, when the disk
    cannot hold the copy, and leaves no partial file when the copy fails midway (at 1M
    customers a published build is ≈ 12 GB)."""
    needed = source.stat().st_size
    free = shutil.disk_usage(target.parent).free
    if free < needed * COPY_HEADROOM:
        raise RevlakeError(
            f"not enough free disk in {target.parent} to copy the published build "
            f"{source.name} ({_gib(needed)}): {_gib(free)} free, at least "
            f"{_gib(needed * COPY_HEADROOM)} needed (builds and scored publishes work on a "
            "copy); free disk there, or keep fewer published builds (`--keep`)"
        )
    try:
        shutil.copyfile(source, target)
    except OSError as exc:
        discard(target)
        raise RevlakeError(
            f"copying the published build {source} to {target} failed: {exc.strerror or exc}"
        ) from exc


def _gib(size: float) -> str:
    return f"{size / 2**30:,.1f} GiB"
