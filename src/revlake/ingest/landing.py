"""Landing hygiene: which files in a landing folder an ingest may read, and why not the others.

A landing folder is written by people and tools, not by revlake, so it holds more than
finished exports: files still being copied, browser downloads in progress, editor lock
files, links to other places, files dropped one level too high. This module walks the
tenant's landing folder (and the landing root) and sorts every entry into:

- **ready**: a regular file inside the tenant's folder whose size and modification time
  have been stable for the settle time;
- **deferred** (retried on the next run): a file modified within the settle time, or with
  a temporary name (`.part`, `.crdownload`, `.tmp`, `.download`, `.partial`, `.filepart`);
- **refused** (reported on every run until removed): a symbolic link, or a path that
  resolves outside the tenant's landing folder; a file at the landing root when the
  workspace has several tenants;
- **ignored**: hidden files and folders (`.name`) and editor/office lock and backup files
  (`~$report.xlsx`, `.~lock.x#`, `x.swp`, `x~`).

Files at the landing root (`<landing>/x.csv` instead of `<landing>/<tenant>/x.csv`) belong
to the only tenant of a single-tenant workspace; their path in the manifest is `../x.csv`.
"""

from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

TEMPORARY_SUFFIXES = (".part", ".crdownload", ".tmp", ".download", ".partial", ".filepart")
ROOT_PREFIX = "../"


@dataclass(frozen=True)
class LandingFile:
    """A regular file an ingest may read: where it is and what the manifest calls it."""

    path: Path
    relative: str  # path relative to the tenant's landing folder (root files: ../name)
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Skipped:
    """A landing entry not read this run, and why."""

    relative: str
    reason: str


@dataclass
class LandingScan:
    """The outcome of walking a tenant's landing folder."""

    ready: list[LandingFile] = field(default_factory=list)
    deferred: list[Skipped] = field(default_factory=list)
    refused: list[Skipped] = field(default_factory=list)
    ignored: int = 0


def is_editor_artifact(name: str) -> bool:
    """Lock, swap and backup files of editors and office suites."""
    return (
        name.startswith("~$")
        or name.startswith(".~lock.")
        or name.endswith(("~", ".swp", ".swo", ".swx"))
        or (name.startswith("#") and name.endswith("#"))
    )


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve(strict=True).relative_to(folder.resolve())
    except (ValueError, OSError):
        return False
    return True


class _Walker:
    def __init__(self, tenant_dir: Path, settle_s: float, now: float) -> None:
        self.tenant_dir = tenant_dir
        self.settle_ns = int(settle_s * 1e9)
        self.now_ns = int(now * 1e9)
        self.scan = LandingScan()

    def walk(self, folder: Path, prefix: str) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except FileNotFoundError:
            return
        for entry in entries:
            relative = prefix + entry.name
            if _is_hidden(entry.name) or is_editor_artifact(entry.name):
                self.scan.ignored += 1
                continue
            if entry.is_symlink():
                target = os.readlink(entry.path)
                self.scan.refused.append(
                    Skipped(
                        relative,
                        f"{relative}: a symbolic link (to {target}); links are not followed, "
                        "copy the file into the landing folder instead",
                    )
                )
                continue
            if entry.is_dir(follow_symlinks=False):
                self.walk(Path(entry.path), relative + "/")
                continue
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode):
                self.scan.refused.append(
                    Skipped(relative, f"{relative}: not a regular file (device, pipe or socket)")
                )
                continue
            self.consider(Path(entry.path), relative, info)

    def consider(self, path: Path, relative: str, info: os.stat_result) -> None:
        root_file = relative.startswith(ROOT_PREFIX)
        if not root_file and not _inside(path, self.tenant_dir):
            self.scan.refused.append(
                Skipped(relative, f"{relative}: resolves outside the tenant's landing folder")
            )
            return
        if path.name.lower().endswith(TEMPORARY_SUFFIXES):
            self.scan.deferred.append(
                Skipped(
                    relative,
                    f"{relative}: a temporary name (a download or copy in "
                    "progress); loaded once it is renamed",
                )
            )
            return
        age_ns = self.now_ns - info.st_mtime_ns
        if self.settle_ns and age_ns < self.settle_ns:
            self.scan.deferred.append(
                Skipped(
                    relative,
                    f"{relative}: modified {max(age_ns, 0) / 1e9:.1f} s ago (settle time "
                    f"{self.settle_ns / 1e9:g} s): it may still be written; loaded on a later run",
                )
            )
            return
        self.scan.ready.append(LandingFile(path, relative, info.st_size, info.st_mtime_ns))


def scan_landing(
    landing_root: Path,
    tenant: str,
    tenants: list[str],
    *,
    settle_s: float,
    now: float | None = None,
) -> LandingScan:
    """Sort the tenant's landing entries (and the landing root's files) as the module says."""
    tenant_dir = landing_root / tenant
    walker = _Walker(tenant_dir, settle_s, time.time() if now is None else now)
    walker.walk(tenant_dir, "")
    _root_files(landing_root, tenant, tenants, walker)
    walker.scan.ready.sort(key=lambda f: f.relative)
    return walker.scan


def _root_files(landing_root: Path, tenant: str, tenants: list[str], walker: _Walker) -> None:
    try:
        entries = sorted(os.scandir(landing_root), key=lambda e: e.name)
    except FileNotFoundError:
        return
    for entry in entries:
        if entry.name in tenants and entry.is_dir(follow_symlinks=False):
            continue
        if _is_hidden(entry.name) or is_editor_artifact(entry.name):
            continue
        relative = ROOT_PREFIX + entry.name
        if len(tenants) > 1:
            where = ", ".join(f"{landing_root.name}/{t}/" for t in tenants)
            walker.scan.refused.append(
                Skipped(
                    relative,
                    f"{landing_root.name}/{entry.name}: at the landing root of a workspace with "
                    f"several tenants; move it into the folder of its tenant ({where})",
                )
            )
            continue
        if entry.is_symlink():
            walker.scan.refused.append(
                Skipped(relative, f"{relative}: a symbolic link; links are not followed")
            )
            continue
        if entry.is_dir(follow_symlinks=False):
            walker.scan.refused.append(
                Skipped(
                    relative,
                    f"{landing_root.name}/{entry.name}/: a folder at the landing root that is not "
                    f"a tenant's; move it into {landing_root.name}/{tenant}/",
                )
            )
            continue
        info = entry.stat(follow_symlinks=False)
        if stat.S_ISREG(info.st_mode):
            walker.consider(Path(entry.path), relative, info)
