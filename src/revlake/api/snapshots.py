"""Published snapshots opened read-only, one cached DuckDB connection per snapshot file.

A request pins the snapshot that is current when it starts (`SnapshotRegistry.acquire`)
and uses it for every query it makes, so a build published mid-request changes nothing in
that answer. Snapshots are immutable once published, which makes it safe to memoise any
answer per snapshot (`Snapshot.memo`): repeat requests cost a dictionary lookup.
Connections of snapshots that are no longer current are closed once no request uses them
(a pruned file stays readable while open: POSIX keeps unlinked files alive).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from revlake.errors import RevlakeError
from revlake.transform.snapshots import CURRENT_FILE, current_snapshot

T = TypeVar("T")
MEMO_ENTRIES = 2048
GOLD = "gold"


class NoSnapshotError(RevlakeError):
    """The tenant has no published build yet (the API answers 404 with how to make one)."""


@dataclass(eq=False)
class Snapshot:
    """One published build, opened read-only; answers are memoised per snapshot."""

    path: Path
    published_at: datetime
    _con: duckdb.DuckDBPyConnection
    _memo: OrderedDict[Any, Any] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _users: int = 0
    _tables: frozenset[str] | None = None

    @property
    def name(self) -> str:
        return self.path.stem

    def age_seconds(self, now: datetime | None = None) -> float:
        return ((now or datetime.now(UTC)) - self.published_at).total_seconds()

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Run a read-only query on a private cursor; rows as dicts keyed by column."""
        cursor = self._con.cursor()
        try:
            result = cursor.execute(sql, list(params))
            names = [d[0] for d in result.description or ()]
            return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
        finally:
            cursor.close()

    def has_table(self, table: str) -> bool:
        """Whether gold has `table` (older or partial builds may lack newer models)."""
        if self._tables is None:
            found = self.rows(
                "select table_name from information_schema.tables where table_schema = ?",
                [GOLD],
            )
            self._tables = frozenset(str(r["table_name"]) for r in found)
        return table in self._tables

    def cached(self, key: Any) -> Any | None:
        """The answer memoised under `key`, or None (never computes)."""
        with self._lock:
            return self._memo.get(key)

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """The answer cached under `key` for this snapshot, computing it on first use."""
        with self._lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self._memo[key] = value
            while len(self._memo) > MEMO_ENTRIES:
                self._memo.popitem(last=False)
        return value

    def close(self) -> None:
        self._con.close()


def _open(path: Path) -> Snapshot:
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise RevlakeError(f"cannot open snapshot {path}: {exc}") from exc
    stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return Snapshot(path=path, published_at=stamp, _con=con)


class SnapshotRegistry:
    """The current snapshot of each tenant; one open connection per snapshot file."""

    def __init__(self, snapshots_dir: Callable[[str], Path]) -> None:
        self._dir = snapshots_dir
        self._open: dict[Path, Snapshot] = {}
        self._current: dict[str, tuple[int, Path]] = {}
        self._lock = threading.Lock()

    def _current_path(self, tenant_id: str) -> Path | None:
        folder = self._dir(tenant_id)
        try:
            stamp = (folder / CURRENT_FILE).stat().st_mtime_ns
        except FileNotFoundError:
            return None
        cached = self._current.get(tenant_id)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        path = current_snapshot(folder)
        if path is not None:
            self._current[tenant_id] = (stamp, path)
        return path

    def current_name(self, tenant_id: str) -> str | None:
        """The name of the tenant's current snapshot (None when none is published)."""
        try:
            with self._lock:
                path = self._current_path(tenant_id)
        except NoSnapshotError:
            return None
        return path.stem if path is not None else None

    @contextmanager
    def acquire(self, tenant_id: str) -> Iterator[Snapshot]:
        """The tenant's current snapshot, pinned (kept open) until the block ends."""
        with self._lock:
            path = self._current_path(tenant_id)
            if path is None:
                raise NoSnapshotError(
                    f"tenant {tenant_id!r} has no published snapshot yet; run "
                    "`revlake ingest` and `revlake build` first"
                )
            snapshot = self._open.get(path)
            if snapshot is None:
                snapshot = _open(path)
                self._open[path] = snapshot
            snapshot._users += 1
        try:
            yield snapshot
        finally:
            with self._lock:
                snapshot._users -= 1
                self._close_stale()

    def _close_stale(self) -> None:
        current = {path for _, path in self._current.values()}
        for path, snapshot in list(self._open.items()):
            if path not in current and snapshot._users == 0:
                snapshot.close()
                del self._open[path]

    def close(self) -> None:
        """Close every open snapshot (server shutdown)."""
        with self._lock:
            for snapshot in self._open.values():
                snapshot.close()
            self._open.clear()
