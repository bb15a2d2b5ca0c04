"""Quarantine: files an ingest could not load, kept visible until replaced or dismissed.

A file that cannot be read (broken Parquet, an xlsx that expands past the limits, a date
column whose order no evidence settles, a file bronze refuses) must neither stop the other
files nor vanish: it is recorded in bronze's `_quarantine` with its reason (and line and
column where known), the rest of the run loads and publishes, and `revlake ingest` /
`revlake run` exit non-zero naming it. Quarantined files are retried on every run (a
setting or layout added since may make them load); a record stays `open` until the file
loads (`resolved`, e.g. after the user replaced it) or someone dismisses it
(`revlake ingest dismiss PATH`), after which that exact content is skipped.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from revlake.errors import InputError
from revlake.ingest.bronze import ensure_bookkeeping
from revlake.workspace import Workspace

OPEN = "open"
RESOLVED = "resolved"
DISMISSED = "dismissed"

_LINE = re.compile(r"\b[Ll]ine[: ]+(\d+)")
_COLUMN = re.compile(r"\b[Cc]olumn[: ]+\"?([\w .()-]+?)\"?(?:[,;:)]|$|\s)")


@dataclass(frozen=True)
class QuarantineRecord:
    """One quarantined file version."""

    path: str
    content_hash: str
    size: int
    mtime_ns: int
    reason: str
    line_number: int | None
    column_name: str | None
    first_seen_at: dt.datetime
    last_seen_at: dt.datetime
    status: str
    closed_at: dt.datetime | None = None
    closed_by: str | None = None


def locate(message: str) -> tuple[int | None, str | None]:
    """Line and column named in an error message, where it names them."""
    line = _LINE.search(message)
    column = _COLUMN.search(message)
    return (int(line.group(1)) if line else None, column.group(1) if column else None)


_COLUMNS = (
    "path, content_hash, size, mtime_ns, reason, line_number, column_name, first_seen_at, "
    "last_seen_at, status, closed_at, closed_by"
)


def _record(row: tuple[Any, ...]) -> QuarantineRecord:
    return QuarantineRecord(*row)


class QuarantineIndex:
    """The quarantine as read at the start of a run."""

    def __init__(self, records: list[QuarantineRecord]) -> None:
        self.records = records

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection) -> QuarantineIndex:
        rows = con.execute(f"SELECT {_COLUMNS} FROM main._quarantine").fetchall()
        return cls([_record(r) for r in rows])

    def dismissed(self, path: str, content_hash: str) -> bool:
        return any(
            r.path == path and r.content_hash == content_hash and r.status == DISMISSED
            for r in self.records
        )

    def dismissed_stat(self, path: str, size: int, mtime_ns: int) -> bool:
        """Dismissed, judged by size and mtime (no need to hash the file again)."""
        return any(
            r.path == path and r.size == size and r.mtime_ns == mtime_ns and r.status == DISMISSED
            for r in self.records
        )


def record_quarantine(
    con: duckdb.DuckDBPyConnection,
    *,
    path: str,
    content_hash: str,
    size: int,
    mtime_ns: int,
    reason: str,
    load_id: str,
    now: dt.datetime,
) -> None:
    """Open (or refresh) the quarantine record of this file version."""
    line, column = locate(reason)
    updated = con.execute(
        "UPDATE main._quarantine SET last_load_id = ?, last_seen_at = ?, reason = ?, "
        "line_number = ?, column_name = ?, size = ?, mtime_ns = ? "
        "WHERE path = ? AND content_hash = ? AND status = ? RETURNING 1",
        [load_id, now, reason, line, column, size, mtime_ns, path, content_hash, OPEN],
    ).fetchall()
    if updated:
        return
    con.execute(
        "INSERT INTO main._quarantine VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
        [
            path,
            content_hash,
            size,
            mtime_ns,
            reason,
            line,
            column,
            load_id,
            now,
            load_id,
            now,
            OPEN,
        ],
    )


def resolve_path(
    con: duckdb.DuckDBPyConnection, path: str, *, load_id: str, now: dt.datetime
) -> None:
    """A version of `path` loaded: its open quarantine records are resolved."""
    con.execute(
        "UPDATE main._quarantine SET status = ?, closed_at = ?, closed_by = ? "
        "WHERE path = ? AND status = ?",
        [RESOLVED, now, f"load {load_id}", path, OPEN],
    )


def dismiss(con: duckdb.DuckDBPyConnection, path: str, *, actor: str, now: dt.datetime) -> int:
    """Dismiss the open records of `path`; returns how many. InputError when none is open."""
    rows = con.execute(
        "UPDATE main._quarantine SET status = ?, closed_at = ?, closed_by = ? "
        "WHERE path = ? AND status = ? RETURNING 1",
        [DISMISSED, now, actor, path, OPEN],
    ).fetchall()
    if not rows:
        open_paths = [
            str(r[0])
            for r in con.execute(
                "SELECT DISTINCT path FROM main._quarantine WHERE status = ? ORDER BY 1", [OPEN]
            ).fetchall()
        ]
        shown = ", ".join(open_paths) or "(none)"
        raise InputError(f"{path}: not in quarantine; quarantined files: {shown}")
    return len(rows)


def list_quarantine(bronze: Path, *, include_closed: bool = False) -> list[QuarantineRecord]:
    """The quarantine records of a tenant's bronze (open ones unless `include_closed`)."""
    if not bronze.is_file():
        return []
    con = duckdb.connect(str(bronze), read_only=True)
    try:
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_name = '_quarantine'"
        ).fetchone()
        if not exists or not exists[0]:
            return []
        where = "" if include_closed else f"WHERE status = '{OPEN}'"
        rows = con.execute(
            f"SELECT {_COLUMNS} FROM main._quarantine {where} ORDER BY last_seen_at DESC, path"
        ).fetchall()
        return [_record(r) for r in rows]
    finally:
        con.close()


def dismiss_quarantined(
    workspace: Workspace, tenant: str, path: str, *, actor: str, wait_s: float = 0.0
) -> int:
    """Dismiss a tenant's quarantined file under the workspace lock; returns versions."""
    tenant_id = workspace.tenant(tenant).id
    bronze = workspace.bronze_path(tenant_id)
    if not bronze.is_file():
        raise InputError(f"tenant {tenant_id!r} has no bronze yet: nothing is quarantined")
    with workspace.write_lock(f"revlake quarantine dismiss --tenant {tenant_id}", timeout_s=wait_s):
        con = duckdb.connect(str(bronze))
        try:
            ensure_bookkeeping(con)
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            return dismiss(con, path, actor=actor, now=now)
        finally:
            con.close()
