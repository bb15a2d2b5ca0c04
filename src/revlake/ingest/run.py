"""`run_ingest`: load every new landing file of a tenant into bronze, exactly once.

Two phases. First each new file is hashed, decoded, recognised, staged in DuckDB temp
tables and its columns' formats detected (a file that fails here is quarantined and
nothing else is affected). Then one transaction creates/widens the bronze tables, inserts
the rows, the rejects, the detected formats, the manifest and quarantine records, and
commits: a run killed at any point leaves bronze as it was before the run or after it. A
file bronze itself refuses during the transaction is quarantined and the transaction is
redone without it, so one poison file never blocks the others. The workspace write lock
is held throughout.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import duckdb

from revlake.ingest.bronze import ensure_bookkeeping, ensure_table, insert_rejects, insert_rows
from revlake.ingest.detect import ColumnFormat
from revlake.ingest.formats import SUPPORTED_SUFFIXES, detect_format
from revlake.ingest.formats_store import backfill_formats, insert_formats
from revlake.ingest.landing import LandingFile, scan_landing
from revlake.ingest.layouts import load_layouts
from revlake.ingest.manifest import (
    FileFacts,
    ManifestIndex,
    ManifestRecord,
    hash_file,
    mtime_timestamp,
)
from revlake.ingest.options import IngestOptions
from revlake.ingest.quarantine import QuarantineIndex, record_quarantine, resolve_path
from revlake.ingest.stage import drop_temp_tables, one_thread_when_wide
from revlake.ingest.stager import (
    READ_ERRORS,
    PendingFile,
    QuarantineFile,
    Stager,
    quarantine_item,
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


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def new_load_id(now: dt.datetime) -> str:
    """A load id that sorts by start time (UTC, microseconds) and is unique."""
    return f"{now:%Y%m%dT%H%M%S.%fZ}-{uuid.uuid4().hex[:8]}"


def landing_files(landing: Path) -> list[Path]:
    """Regular files under a tenant's landing folder that an ingest would consider.

    (What `revlake run --watch` fingerprints; `scan_landing` sorts them in detail.)
    """
    scan = scan_landing(landing.parent, landing.name, [landing.name], settle_s=0)
    return [f.path for f in scan.ready]


def _collect(
    scanned: list[LandingFile],
    index: ManifestIndex,
    quarantine: QuarantineIndex,
    stager: Stager,
    summary: IngestSummary,
    progress: Progress | None,
) -> tuple[list[PendingFile], list[FileResult], int]:
    pending: list[PendingFile] = []
    problems: list[FileResult] = []
    retry: list[tuple[PendingFile, LandingFile, FileFacts]] = []
    unchanged = 0
    for number, landing_file in enumerate(scanned, start=1):
        relative, path = landing_file.relative, landing_file.path
        if progress:
            progress(relative, number, len(scanned))
        if index.unchanged(relative, landing_file.size, landing_file.mtime_ns):
            unchanged += 1
            continue
        if quarantine.dismissed_stat(relative, landing_file.size, landing_file.mtime_ns):
            summary.files_dismissed += 1
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
        after = path.stat()
        if (after.st_size, after.st_mtime_ns) != (landing_file.size, landing_file.mtime_ns):
            message = f"{relative}: changed while being read (still being written?); next run"
            problems.append(FileResult(relative, FileStatus.DEFERRED, message=message))
            continue
        if index.known(relative, facts.content_hash):
            unchanged += 1
            continue
        if quarantine.dismissed(relative, facts.content_hash):
            summary.files_dismissed += 1
            continue
        item = PendingFile(
            path=relative,
            content_hash=facts.content_hash,
            size=landing_file.size,
            mtime_ns=landing_file.mtime_ns,
            version=index.next_version(relative),
            status=FileStatus.LOADED,
            format=fmt.value,
        )
        duplicate_of = index.path_with_content(facts.content_hash)
        if landing_file.size == 0:
            item.status = FileStatus.EMPTY
        elif duplicate_of is not None:
            item.status = FileStatus.DUPLICATE
            item.message = f"same content as {duplicate_of}, already loaded"
        else:
            try:
                stager.stage(path, relative, item, facts)
            except READ_ERRORS as exc:
                quarantine_item(item, exc, stager.con)
                if isinstance(exc, QuarantineFile) and exc.ambiguous:
                    retry.append((item, landing_file, facts))
        if item.status is FileStatus.UNRECOGNISED:
            problems.append(
                FileResult(relative, item.status, format=fmt.value, message=item.message)
            )
            drop_temp_tables(stager.con, item.temp_tables)
            continue
        if item.status is not FileStatus.QUARANTINED:
            index.add(
                ManifestRecord(
                    item.content_hash, relative, item.size, item.mtime_ns, item.version, item.status
                )
            )
        pending.append(item)
    for item, landing_file, facts in retry:
        _stage_again(stager, item, landing_file, facts, index)
    return pending, problems, unchanged


def _stage_again(
    stager: Stager,
    item: PendingFile,
    landing_file: LandingFile,
    facts: FileFacts,
    index: ManifestIndex,
) -> None:
    """Stage a file once more after the run's other files (their evidence may settle it)."""
    item.status, item.message, item.notes, item.formats = FileStatus.LOADED, "", [], []
    try:
        stager.stage(landing_file.path, landing_file.relative, item, facts)
    except READ_ERRORS as exc:
        quarantine_item(item, exc, stager.con)
        return
    index.add(
        ManifestRecord(
            item.content_hash, item.path, item.size, item.mtime_ns, item.version, item.status
        )
    )


def _commit_file(
    con: duckdb.DuckDBPyConnection, item: PendingFile, load_id: str, loaded_at: dt.datetime
) -> FileResult:
    if item.status is FileStatus.QUARANTINED:
        record_quarantine(
            con,
            path=item.path,
            content_hash=item.content_hash,
            size=item.size,
            mtime_ns=item.mtime_ns,
            reason=item.message,
            load_id=load_id,
            now=loaded_at,
        )
        return FileResult(item.path, item.status, format=item.format, message=item.message)
    rows = 0
    new_columns: list[str] = []
    rejected = item.staged.rejected if item.staged else 0
    layout = item.match.layout.name if item.match else None
    if item.match is not None and item.staged is not None:
        columns = item.match.mapping.columns
        new_columns = ensure_table(con, item.match.layout.name, item.match.layout.columns, columns)
        with one_thread_when_wide(con, len(columns)):
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
        insert_formats(con, item.formats, load_id=load_id, source_file=item.path, table=layout)
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
            "; ".join(m for m in (item.message, *item.notes) if m) or None,
            item.mtime_ns,
        ],
    )
    resolve_path(con, item.path, load_id=load_id, now=loaded_at)
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
        formats=tuple(item.formats),
        notes=tuple(item.notes),
    )


def run_ingest(
    workspace: Workspace,
    tenant: str,
    *,
    strict: bool = False,
    wait_s: float = 0.0,
    progress: Progress | None = None,
    settle_s: float | None = None,
) -> IngestSummary:
    """Load the tenant's new landing files into bronze in one transaction.

    `settle_s` overrides the workspace's `ingest_settle_seconds` (files modified more
    recently are waited for, then deferred if they are still changing). Raises
    WorkspaceLockedError when another command holds the workspace lock for longer than
    `wait_s` seconds, and InputError for an invalid workspace layout file.
    """
    tenant_id = workspace.tenant(tenant).id
    layouts = load_layouts(workspace.root)
    options = IngestOptions.for_tenant(workspace, tenant_id, settle_s=settle_s)
    started = _utc_now()
    summary = IngestSummary(
        load_id=new_load_id(started), tenant=tenant_id, started_at=started, strict=strict
    )
    with workspace.write_lock(f"revlake ingest --tenant {tenant_id}", timeout_s=wait_s):
        workspace.ensure_tenant_dirs(tenant_id)
        scanned, skipped = _settled_files(workspace, tenant_id, options, summary)
        con = duckdb.connect(
            str(workspace.bronze_path(tenant_id)),
            config={"memory_limit": INGEST_MEMORY_LIMIT},
        )
        try:
            con.execute("SET enable_progress_bar = false")
            ensure_bookkeeping(con)
            index = ManifestIndex.read(con)
            quarantine = QuarantineIndex.read(con)
            with tempfile.TemporaryDirectory(
                dir=workspace.tenant_dir(tenant_id), prefix=".ingest-"
            ) as tmp:
                stager = Stager(con, layouts, Path(tmp), options, tenant_id)
                backfill = backfill_formats(con, layouts, options)
                pending, problems, unchanged = _collect(
                    scanned, index, quarantine, stager, summary, progress
                )
            summary.files_unchanged = unchanged
            if pending or backfill:
                summary.files = _write(con, pending, backfill, summary, progress)
            summary.files = [*summary.files, *problems, *skipped]
        finally:
            con.close()
    summary.finished_at = _utc_now()
    return summary


def _settled_files(
    workspace: Workspace, tenant_id: str, options: IngestOptions, summary: IngestSummary
) -> tuple[list[LandingFile], list[FileResult]]:
    """Landing files safe to read now; the rest as deferred or refused results.

    Files modified within the settle time are waited for (at most the settle time) and
    looked at again: unchanged ones are read, changed ones deferred to the next run.
    """
    tenants = [t.id for t in workspace.settings.tenants]
    landing_root = workspace.landing_dir(tenant_id).parent
    now = time.time()
    scan = scan_landing(landing_root, tenant_id, tenants, settle_s=0, now=now)
    young = [f for f in scan.ready if now - f.mtime_ns / 1e9 < options.settle_s]
    ready = [f for f in scan.ready if f not in young]
    deferred: list[FileResult] = []
    if young:
        newest = max(f.mtime_ns for f in young) / 1e9
        time.sleep(max(0.0, min(options.settle_s, newest + options.settle_s - time.time())))
        for landing_file in young:
            try:
                info = landing_file.path.stat()
            except FileNotFoundError:
                continue
            if (info.st_size, info.st_mtime_ns) == (landing_file.size, landing_file.mtime_ns):
                ready.append(landing_file)
            else:
                deferred.append(
                    FileResult(
                        landing_file.relative,
                        FileStatus.DEFERRED,
                        message=(
                            f"{landing_file.relative}: still changing after the settle time "
                            f"({options.settle_s:g} s): being written? loaded on a later run"
                        ),
                    )
                )
    ready.sort(key=lambda f: f.relative)
    summary.files_ignored = scan.ignored
    skipped = [FileResult(s.relative, FileStatus.DEFERRED, message=s.reason) for s in scan.deferred]
    skipped += [FileResult(s.relative, FileStatus.REFUSED, message=s.reason) for s in scan.refused]
    return ready, [*deferred, *skipped]


def _write(
    con: duckdb.DuckDBPyConnection,
    pending: list[PendingFile],
    backfill: list[tuple[str, str, str, list[ColumnFormat]]],
    summary: IngestSummary,
    progress: Progress | None,
) -> list[FileResult]:
    """The transaction; a file bronze refuses is quarantined and the transaction redone."""
    try:
        while True:
            writing: list[PendingFile] = []
            try:
                return _write_once(con, pending, backfill, summary, progress, writing)
            except duckdb.Error as exc:
                if not writing or writing[-1].status is FileStatus.QUARANTINED:
                    raise
                failing = writing[-1]
                quarantine_item(failing, exc, con)
                failing.message = failing.message.replace("cannot be read", "bronze refused it")
    finally:
        for item in pending:
            drop_temp_tables(con, item.temp_tables)


def _write_once(
    con: duckdb.DuckDBPyConnection,
    pending: list[PendingFile],
    backfill: list[tuple[str, str, str, list[ColumnFormat]]],
    summary: IngestSummary,
    progress: Progress | None,
    writing: list[PendingFile],
) -> list[FileResult]:
    pause = float(os.environ.get(PAUSE_ENV, "0") or 0)
    loaded_at = _utc_now()
    results: list[FileResult] = []
    con.execute("BEGIN TRANSACTION")
    try:
        for load_id, source_file, table, formats in backfill:
            insert_formats(con, formats, load_id=load_id, source_file=source_file, table=table)
        for number, item in enumerate(pending, start=1):
            if progress:
                progress(f"writing {item.path}", number, len(pending))
            writing.append(item)
            results.append(_commit_file(con, item, summary.load_id, loaded_at))
            # its staged rows are in bronze now: free them before the next file and the
            # commit (a rollback brings them back for a retry)
            drop_temp_tables(con, item.temp_tables)
            if number == 1 and pause > 0:
                print(f"{PAUSE_ENV}: first file written, pausing {pause:g}s", file=sys.stderr)
                sys.stderr.flush()
                time.sleep(pause)
        writing.clear()
        if pending:
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
    return results
