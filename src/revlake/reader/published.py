"""Finding and opening a tenant's published build: one function, one error, one exit code.

`published_path` is the only lookup of `snapshots/<tenant>/CURRENT`; every caller (CLI,
export, ml, finance, API) gets `NoPublishedBuild` (an `InputError`: CLI exit 2, API 404)
with the same message when there is none. `open_published` opens it for one command;
`BuildRegistry` is the server's: a request pins the build that is current when it starts
(`acquire`) and uses it for every query it makes, so a build published mid-request changes
nothing in that answer. Connections of builds that are no longer current are closed once
no request uses them (a pruned file stays readable while open: POSIX keeps unlinked files
alive).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from revlake.errors import ConfigError, NoPublishedBuild
from revlake.reader.build import Build, open_build
from revlake.transform.snapshots import CURRENT_FILE, current_snapshot


class HasSnapshots(Protocol):
    """A workspace (anything that knows where a tenant's builds are)."""

    def snapshots_dir(self, tenant_id: str) -> Path: ...


def no_published_build(tenant_id: str) -> NoPublishedBuild:
    """The one error for "this tenant has no published build"."""
    return NoPublishedBuild(
        f"tenant {tenant_id!r} has no published build yet: run `revlake ingest` and "
        "`revlake build` (or `revlake run`) first"
    )


def tenant_snapshots_dir(workspace: HasSnapshots, tenant_id: str) -> Path:
    """The tenant's snapshot folder; an unknown tenant has no published build either."""
    try:
        return workspace.snapshots_dir(tenant_id)
    except ConfigError:
        raise NoPublishedBuild(
            f"tenant {tenant_id!r} is not configured in this workspace's revlake.toml"
        ) from None


def published_path(workspace: HasSnapshots, tenant_id: str) -> Path:
    """The tenant's published build file, or `NoPublishedBuild` saying how to make one."""
    path = current_snapshot(tenant_snapshots_dir(workspace, tenant_id))
    if path is None:
        raise no_published_build(tenant_id)
    return path


def open_published(workspace: HasSnapshots, tenant_id: str) -> Build:
    """The tenant's published build, opened read-only (a context manager closes it)."""
    return open_build(published_path(workspace, tenant_id))


class BuildRegistry:
    """The current build of each tenant; one open connection per build file."""

    def __init__(self, snapshots_dir: Callable[[str], Path]) -> None:
        self._dir = snapshots_dir
        self._open: dict[Path, Build] = {}
        self._current: dict[str, tuple[int, Path]] = {}
        self._pointers: dict[str, Path] = {}
        self._lock = threading.Lock()

    def _current_path(self, tenant_id: str) -> Path | None:
        pointer = self._pointers.get(tenant_id)
        if pointer is None:  # worked out once: a tenant's folder never moves
            pointer = self._pointers[tenant_id] = self._dir(tenant_id) / CURRENT_FILE
        try:
            stamp = os.stat(pointer).st_mtime_ns
        except FileNotFoundError:
            return None
        cached = self._current.get(tenant_id)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        path = current_snapshot(pointer.parent)
        if path is not None:
            self._current[tenant_id] = (stamp, path)
        return path

    def current_name(self, tenant_id: str) -> str | None:
        """The name of the tenant's current build (None when none is published)."""
        try:
            with self._lock:
                path = self._current_path(tenant_id)
        except NoPublishedBuild:
            return None
        return path.stem if path is not None else None

    @contextmanager
    def acquire(self, tenant_id: str) -> Iterator[Build]:
        """The tenant's current build, pinned (kept open) until the block ends."""
        with self._lock:
            path = self._current_path(tenant_id)
            if path is None:
                raise no_published_build(tenant_id)
            build = self._open.get(path)
            if build is None:
                build = open_build(path, lazy=True)  # connected by its first query
                self._open[path] = build
            build._users += 1
        try:
            yield build
        finally:
            with self._lock:
                build._users -= 1
                self._close_stale()

    def warm(self, tenant_id: str, prepare: Callable[[Build], object]) -> bool:
        """Open the tenant's current build and run `prepare` on it, once per build.

        The server calls it in the background right after a publish, so that the first
        request finds the build open and its precomputed answers in memory. False when
        the tenant has no published build (nothing to do).
        """
        try:
            with self.acquire(tenant_id) as build:
                build.memo(("warmed",), lambda: prepare(build) or True)
        except NoPublishedBuild:
            return False
        return True

    def _close_stale(self) -> None:
        current = {path for _, path in self._current.values()}
        for path, build in list(self._open.items()):
            if path not in current and build._users == 0:
                build.close()
                del self._open[path]

    def close(self) -> None:
        """Close every open build (server shutdown)."""
        with self._lock:
            for build in self._open.values():
                build.close()
            self._open.clear()
