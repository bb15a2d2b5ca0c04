"""`run_ingest`: load every new landing file of a tenant into bronze, exactly once.

Two phases. First each new file is hashed, decoded, recognised and staged in DuckDB temp
tables (a file that fails here is reported and nothing else is affected). Then one
transaction creates/widens the bronze tables, inserts the rows, the rejects and the
manifest records, and commits: a run killed at any point leaves bronze as it was before
the run or after it. The workspace write lock is held throughout.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zipfile import BadZipFile

import duckdb

from revlake.errors import RevlakeError
from revlake.ingest.bronze import ensure_bookkeeping, ensure_table, insert_rejects, insert_rows
from revlake.ingest.csv_dialect import sniff_dialect
from revlake.ingest.encoding import detect_encoding, transcode_to_utf8
from revlake.ingest.formats import SUPPORTED_SUFFIXES, FileFormat, detect_format
from revlake.ingest.layouts import Layout, load_layouts
from revlake.ingest.manifest import ManifestIndex, ManifestRecord, hash_file, mtime_timestamp
from revlake.ingest.matching import Match, match_layout
from revlake.ingest.stage import (
    Staged,
    drop_temp_tables,
    parquet_headers,
    stage_csv,
    stage_jsonl,
    stage_parquet,
    xlsx_to_csv,
)
from revlake.ingest.summary import FileResult, FileStatus, IngestSummary
from revlake.workspace import Workspace

# Test hook: seconds to sleep inside the transaction after the first file is inserted,
# so a test can kill -9 the process mid-run. Not a setting (no REVLAKE_ prefix on purpose).
PAUSE_ENV = "_REVLAKE_TEST_PAUSE_AFTER_FIRST_FILE"

Progress = Callable[[str, int, int], None]


# DuckDB's own memory cap for an ingest: staged rows beyond it spill to disk, so an
# ingest's peak memory stops growing with file size (docs/PERFORMANCE.md, "Ingest"). It
# must leave room for the CSV reader's buffers: 16 × MAX_LINE_SIZE (1 GiB) per reading
# thread; a 1 GB cap made every file over 1 GiB fail with "could not allocate block".
INGEST_MEMORY_LIMIT = "4GB"


@dataclass
class _Pending:
    """A file ready for the transaction: its facts, and its staged rows when it has any."""

    path: str
    content_hash: str
    size: int
    mtime_ns: int
    version: int
    status: FileStatus
    format: str | None
    encoding: str | None = None
    match: Match | None = None
    staged: Staged | None = None
    message: str = ""
    extra_temp: list[str] = field(default_factory=list)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def new_load_id(now: dt.datetime) -> str:
    """A load id that sorts by start time (UTC, microseconds) and is unique."""
    return f"{now:%Y%m%dT%H%M%S.%fZ}-{uuid.uuid4().hex[:8]}"


def landing_files(landing: Path) -> list[Path]:
    """Files under the landing folder, sorted; hidden files and folders are ignored."""
    if not landing.is_dir():
        return []
    found = []
    for path in landing.rglob("*"):
        relative = path.relative_to(landing)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.is_file():
            found.append(path)
    return sorted(found, key=lambda p: p.relative_to(landing).as_posix())


class _Stager:
    """Phase one: recognise and stage one file in temp tables of the connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection, layouts: list[Layout], tmp: Path) -> None:
        self.con = con
        self.layouts = layouts
        self.tmp = tmp
        self.count = 0

    def stage(self, path: Path, relative: str, pending: _Pending, has_quotes: bool) -> None:
        self.count += 1
        prefix = f"_ingest_{self.count}"
        fmt = FileFormat(pending.format) if pending.format else None
        if fmt is FileFormat.PARQUET:
            headers = parquet_headers(self.con, path)
            if self._match(relative, headers, pending):
                pending.staged = stage_parquet(self.con, path)
            return
        if fmt is FileFormat.XLSX:
            csv_path = self.tmp / f"{prefix}.csv"
            xlsx_to_csv(path, csv_path)
            self._stage_text(csv_path, relative, pending, True, prefix, with_lines=False)
            return
        encoding = detect_encoding(path)
        readable = path
        pending.encoding = encoding.name
        if not encoding.native:
            readable = self.tmp / f"{prefix}.utf8"
            pending.encoding = transcode_to_utf8(path, readable, encoding.name)
        if fmt is FileFormat.JSONL:
            staged = stage_jsonl(self.con, readable, prefix)
            pending.extra_temp = staged.temp_tables
            if not staged.headers and not staged.rejected:
                pending.status = FileStatus.EMPTY
                return
            if self._match(relative, staged.headers, pending):
                pending.staged = staged
            return
        self._stage_text(readable, relative, pending, has_quotes, prefix, with_lines=True)

    def _stage_text(
        self,
        path: Path,
        relative: str,
        pending: _Pending,
        has_quotes: bool,
        prefix: str,
        *,
        with_lines: bool,
    ) -> None:
        dialect = sniff_dialect(path, relative)
        if dialect is None:
            pending.status = FileStatus.EMPTY
            return
        if self._match(relative, dialect.headers, pending):
            pending.staged = stage_csv(
                self.con, path, dialect, prefix, has_quotes=has_quotes, with_lines=with_lines
            )

    def _match(self, relative: str, headers: tuple[str, ...], pending: _Pending) -> bool:
        found = match_layout(headers, relative, self.layouts)
        if isinstance(found, Match):
            pending.match = found
            return True
        pending.status = FileStatus.UNRECOGNISED
        pending.message = found.message
        return False


def _collect(
    landing: Path,
    index: ManifestIndex,
    stager: _Stager,
    progress: Progress | None,
) -> tuple[list[_Pending], list[FileResult], int]:
    pending: list[_Pending] = []
    problems: list[FileResult] = []
    unchanged = 0
    files = landing_files(landing)
    for number, path in enumerate(files, start=1):
        relative = path.relative_to(landing).as_posix()
        if progress:
            progress(relative, number, len(files))
        stat = path.stat()
        if index.unchanged(relative, stat.st_size, stat.st_mtime_ns):
            unchanged += 1
            continue
        fmt = detect_format(path)
        if fmt is None:
            message = (
                f"{relative}: not a file type revlake reads "
                f"(supported: {', '.join(SUPPORTED_SUFFIXES)})"
            )
            problems.append(FileResult(relative, FileStatus.UNSUPPORTED, message=message))
            continue
        facts = hash_file(path)
        if index.known(relative, facts.content_hash):
            unchanged += 1
            continue
        item = _Pending(
            path=relative,
            content_hash=facts.content_hash,
            size=stat.st_size,
            mtime_ns=stat.st_mtime_ns,
            version=index.next_version(relative),
            status=FileStatus.LOADED,
            format=fmt.value,
        )
        duplicate_of = index.path_with_content(facts.content_hash)
        if stat.st_size == 0:
            item.status = FileStatus.EMPTY
        elif duplicate_of is not None:
            item.status = FileStatus.DUPLICATE
            item.message = f"same content as {duplicate_of}, already loaded"
        else:
            try:
                stager.stage(path, relative, item, facts.has_quotes)
            except (duckdb.Error, OSError, ValueError, KeyError, BadZipFile, RevlakeError) as exc:
                problems.append(
                    FileResult(
                        relative,
                        FileStatus.FAILED,
                        format=fmt.value,
                        message=f"{relative}: cannot be read: {exc}".splitlines()[0],
                    )
                )
                continue
        if item.status is FileStatus.UNRECOGNISED:
            problems.append(
                FileResult(relative, item.status, format=fmt.value, message=item.message)
            )
            if item.extra_temp:
                drop_temp_tables(stager.con, item.extra_temp)
            continue
        index.add(
            ManifestRecord(
                item.content_hash, relative, item.size, item.mtime_ns, item.version, item.status
            )
        )
        pending.append(item)
    return pending, problems, unchanged


def _commit_file(
    con: duckdb.DuckDBPyConnection, item: _Pending, load_id: str, loaded_at: dt.datetime
) -> FileResult:
    rows = 0
    new_columns: list[str] = []
    rejected = item.staged.rejected if item.staged else 0
    layout = item.match.layout.name if item.match else None
    if item.match is not None and item.staged is not None:
        columns = item.match.mapping.columns
        new_columns = ensure_table(con, item.match.layout.name, item.match.layout.columns, columns)
        rows = insert_rows(
            con,
            item.match.layout.name,
            columns,
            item.staged.source_sql,
            source_file=item.path,
            load_id=load_id,
            loaded_at=loaded_at,
        )
        insert_rejects(
            con, item.staged.rejects_sql, load_id=load_id, source_file=item.path, layout=layout
        )
    con.execute(
        "INSERT INTO main._manifest VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            item.content_hash,
            item.path,
            item.size,
            mtime_timestamp(item.mtime_ns),
            layout,
            item.version,
            load_id,
            rows,
            rejected,
            loaded_at,
            item.status.value,
            item.format,
            item.encoding,
            new_columns,
            item.message or None,
            item.mtime_ns,
        ],
    )
    return FileResult(
        path=item.path,
        status=item.status,
        layout=layout,
        format=item.format,
        encoding=item.encoding,
        version=item.version,
        rows_loaded=rows,
        rows_rejected=rejected,
        new_columns=tuple(new_columns),
        message=item.message,
    )


def run_ingest(
    workspace: Workspace,
    tenant: str,
    *,
    strict: bool = False,
    wait_s: float = 0.0,
    progress: Progress | None = None,
) -> IngestSummary:
    """Load the tenant's new landing files into bronze in one transaction.

    Raises WorkspaceLockedError when another command holds the workspace lock for longer
    than `wait_s` seconds, and InputError for an invalid workspace layout file.
    """
    tenant_id = workspace.tenant(tenant).id
    layouts = load_layouts(workspace.root)
    started = _utc_now()
    summary = IngestSummary(
        load_id=new_load_id(started), tenant=tenant_id, started_at=started, strict=strict
    )
    with workspace.write_lock(f"revlake ingest --tenant {tenant_id}", timeout_s=wait_s):
        workspace.ensure_tenant_dirs(tenant_id)
        con = duckdb.connect(
            str(workspace.bronze_path(tenant_id)),
            config={"memory_limit": INGEST_MEMORY_LIMIT},
        )
        try:
            con.execute("SET enable_progress_bar = false")
            ensure_bookkeeping(con)
            index = ManifestIndex.read(con)
            with tempfile.TemporaryDirectory(
                dir=workspace.tenant_dir(tenant_id), prefix=".ingest-"
            ) as tmp:
                stager = _Stager(con, layouts, Path(tmp))
                pending, problems, unchanged = _collect(
                    workspace.landing_dir(tenant_id), index, stager, progress
                )
            summary.files_unchanged = unchanged
            if pending:
                summary.files = _write(con, pending, summary, progress)
            summary.files = [*summary.files, *problems]
        finally:
            con.close()
    summary.finished_at = _utc_now()
    return summary


def _write(
    con: duckdb.DuckDBPyConnection,
    pending: list[_Pending],
    summary: IngestSummary,
    progress: Progress | None,
) -> list[FileResult]:
    pause = float(os.environ.get(PAUSE_ENV, "0") or 0)
    loaded_at = _utc_now()
    results: list[FileResult] = []
    con.execute("BEGIN TRANSACTION")
    try:
        for number, item in enumerate(pending, start=1):
            if progress:
                progress(f"writing {item.path}", number, len(pending))
            results.append(_commit_file(con, item, summary.load_id, loaded_at))
            if number == 1 and pause > 0:
                print(f"{PAUSE_ENV}: first file written, pausing {pause:g}s", file=sys.stderr)
                sys.stderr.flush()
                time.sleep(pause)
        con.execute(
            "INSERT INTO main._loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                summary.load_id,
                summary.tenant,
                summary.started_at,
                _utc_now(),
                len(pending),
                sum(1 for r in results if r.status is FileStatus.LOADED),
                sum(r.rows_loaded for r in results),
                sum(r.rows_rejected for r in results),
                summary.strict,
            ],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for item in pending:
            tables = item.staged.temp_tables if item.staged else item.extra_temp
            drop_temp_tables(con, tables)
    return results
