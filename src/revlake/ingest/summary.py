"""What an ingest run did: one `FileResult` per file it acted on, totals and an exit code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from revlake.ingest.detect import ColumnFormat


class FileStatus(StrEnum):
    LOADED = "loaded"  # rows went to bronze (possibly zero: a header-only file)
    EMPTY = "empty"  # a 0-byte or blank file: recorded in the manifest, nothing to load
    DUPLICATE = "duplicate"  # same content as a file already loaded under another path
    UNRECOGNISED = "unrecognised"  # no layout fits its columns (not recorded; retried)
    UNSUPPORTED = "unsupported"  # not a file type revlake reads (not recorded)
    QUARANTINED = "quarantined"  # could not be loaded: kept in _quarantine, retried
    DEFERRED = "deferred"  # still being written or a temporary name: next run
    REFUSED = "refused"  # a link, outside the landing folder, or misplaced


# Statuses whose file needs the user's attention (reported on every run).
PROBLEM_STATUSES = frozenset(
    {FileStatus.UNRECOGNISED, FileStatus.UNSUPPORTED, FileStatus.QUARANTINED, FileStatus.REFUSED}
)


@dataclass(frozen=True)
class FileResult:
    """The outcome for one landing file."""

    path: str
    status: FileStatus
    layout: str | None = None
    format: str | None = None
    encoding: str | None = None
    version: int | None = None
    rows_loaded: int = 0
    rows_rejected: int = 0
    new_columns: tuple[str, ...] = ()
    message: str = ""
    formats: tuple[ColumnFormat, ...] = ()
    notes: tuple[str, ...] = ()  # things to know about a loaded file (near tie, bad values)


@dataclass
class IngestSummary:
    """Everything one `run_ingest` call did."""

    load_id: str
    tenant: str
    started_at: dt.datetime
    strict: bool
    files: list[FileResult] = field(default_factory=list)
    files_unchanged: int = 0
    files_ignored: int = 0  # hidden files and editor lock/backup files
    files_dismissed: int = 0  # quarantined versions the user dismissed
    finished_at: dt.datetime | None = None

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    @property
    def recorded(self) -> list[FileResult]:
        """Files written to the manifest by this run."""
        kept = {FileStatus.LOADED, FileStatus.EMPTY, FileStatus.DUPLICATE}
        return [f for f in self.files if f.status in kept]

    @property
    def problems(self) -> list[FileResult]:
        """Files that were not loaded and need the user's attention."""
        return [f for f in self.files if f.status in PROBLEM_STATUSES]

    @property
    def quarantined(self) -> list[FileResult]:
        return [f for f in self.files if f.status is FileStatus.QUARANTINED]

    @property
    def deferred(self) -> list[FileResult]:
        return [f for f in self.files if f.status is FileStatus.DEFERRED]

    @property
    def exit_code(self) -> int:
        """0 ok; 1 when a file is quarantined, or under strict when anything was rejected,
        refused or not recognised."""
        if self.quarantined:
            return 1
        if self.strict and (self.rows_rejected or self.problems):
            return 1
        return 0
