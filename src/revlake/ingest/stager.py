"""Phase one of an ingest for one file: recognise, stage in DuckDB, detect column formats.

`Stager.stage` leaves a `PendingFile` ready for the transaction (staged rows, rejects,
detected formats, notes) or marks why it is not: unrecognised, empty, or quarantined
(`QuarantineFile`: over a limit, an ambiguous typed column; or any read error). The same
stager previews a file for `revlake layouts explain` on an in-memory database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from zipfile import BadZipFile

import duckdb

from revlake.errors import InputError, RevlakeError
from revlake.ingest.bronze import table_columns
from revlake.ingest.csv_dialect import sniff_dialect
from revlake.ingest.detect import (
    ColumnFormat,
    DetectionContext,
    detect_formats,
    settled_date_orders,
)
from revlake.ingest.encoding import detect_encoding, transcode_to_utf8
from revlake.ingest.formats import FileFormat
from revlake.ingest.formats_store import format_notes, prior_formats, prior_source_orders
from revlake.ingest.layouts import Layout
from revlake.ingest.manifest import FileFacts, normalize_newlines
from revlake.ingest.matching import Match, match_layout
from revlake.ingest.options import IngestOptions
from revlake.ingest.stage import (
    CellLimit,
    Staged,
    drop_temp_tables,
    one_thread_when_wide,
    parquet_headers,
    stage_csv,
    stage_jsonl,
    stage_parquet,
    xlsx_to_csv,
)
from revlake.ingest.summary import FileStatus

READ_ERRORS = (duckdb.Error, OSError, ValueError, KeyError, BadZipFile, RevlakeError)


class QuarantineFile(InputError):
    """A file that must not be loaded as it is (the message says why).

    `ambiguous`: only because a typed column's values left its format open; evidence from
    files staged later in the same run may settle it, so the run tries it once more.
    """

    def __init__(self, message: str, *, ambiguous: bool = False) -> None:
        super().__init__(message)
        self.ambiguous = ambiguous


@dataclass
class PendingFile:
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
    formats: list[ColumnFormat] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def temp_tables(self) -> list[str]:
        return [*(self.staged.temp_tables if self.staged else []), *self.extra_temp]


class Stager:
    """Phase one: recognise, stage and type one file in temp tables of the connection."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        layouts: list[Layout],
        tmp: Path,
        options: IngestOptions,
        tenant: str,
    ) -> None:
        self.con = con
        self.tenant = tenant
        self.layouts = layouts
        self.tmp = tmp
        self.options = options
        self.count = 0
        self.prior = prior_formats(con)
        self.source_orders = prior_source_orders(con, layouts)
        self.new_columns: dict[str, set[str]] = {}  # per table, added by this run's files
        self.last_headers: tuple[str, ...] = ()  # of the last file matched (for explain)

    def stage(self, path: Path, relative: str, pending: PendingFile, facts: FileFacts) -> None:
        self.count += 1
        prefix = f"_ingest_{self.count}"
        fmt = FileFormat(pending.format) if pending.format else None
        limit = CellLimit(self.options.max_cells, self.options.max_cells_per_kib, pending.size)
        if fmt is FileFormat.PARQUET:
            headers = parquet_headers(self.con, path)
            if self._match(relative, headers, pending):
                pending.staged = stage_parquet(self.con, path)
                self._type(pending, prefix)
            return
        if fmt is FileFormat.XLSX:
            csv_path = self.tmp / f"{prefix}.csv"
            xlsx_to_csv(path, csv_path, limit=limit, display_name=relative)
            self._stage_text(csv_path, relative, pending, True, prefix, with_lines=False)
            return
        encoding = detect_encoding(path)
        readable = path
        pending.encoding = encoding.name
        if not encoding.native:
            readable = self.tmp / f"{prefix}.utf8"
            pending.encoding = transcode_to_utf8(path, readable, encoding.name)
        if facts.mixed_newlines and not facts.has_quotes and fmt is not FileFormat.JSONL:
            readable = self._as_lf(readable, prefix, pending, facts)
        if fmt is FileFormat.JSONL:
            staged = stage_jsonl(self.con, readable, prefix)
            pending.extra_temp = staged.temp_tables
            if not staged.headers and not staged.rejected:
                pending.status = FileStatus.EMPTY
                return
            counted = self.con.execute(f"SELECT count(*) FROM ({staged.source_sql})").fetchone()
            rows = int(counted[0]) if counted else 0
            limit.check(rows * max(1, len(staged.headers)), relative, "its JSON objects")
            if self._match(relative, staged.headers, pending):
                pending.staged = staged
                pending.extra_temp = []
                self._type(pending, prefix)
            return
        try:
            self._stage_text(readable, relative, pending, facts.has_quotes, prefix, with_lines=True)
        except duckdb.Error:
            if not facts.mixed_newlines or readable.suffix == ".lf":
                raise
            # Quoted values may hold bare LFs in a CR LF file (DuckDB reads that); when the
            # records themselves mix endings it cannot, so read the file with LF only.
            drop_temp_tables(self.con, pending.temp_tables)
            pending.staged, pending.match, pending.formats = None, None, []
            lf = self._as_lf(readable, prefix, pending, facts)
            self._stage_text(lf, relative, pending, facts.has_quotes, prefix, with_lines=True)

    def _as_lf(self, readable: Path, prefix: str, pending: PendingFile, facts: FileFacts) -> Path:
        normalized = self.tmp / f"{prefix}.lf"
        normalize_newlines(readable, normalized)
        pending.notes.append(
            f"mixed line endings ({facts.crlf:,} CR LF, {facts.lf:,} LF): read with every "
            "CR LF as LF"
        )
        return normalized

    def _stage_text(
        self,
        path: Path,
        relative: str,
        pending: PendingFile,
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
            self._type(pending, prefix)

    def _match(self, relative: str, headers: tuple[str, ...], pending: PendingFile) -> bool:
        self.last_headers = headers
        if len(headers) > self.options.max_columns:
            raise QuarantineFile(
                f"{relative}: {len(headers):,} columns, more than the limit of "
                f"{self.options.max_columns:,} (setting ingest_max_columns)"
            )
        found = match_layout(headers, relative, self.layouts)
        if not isinstance(found, Match):
            pending.status = FileStatus.UNRECOGNISED
            pending.message = found.message
            return False
        self._check_new_columns(relative, found)
        pending.match = found
        if found.runner_up:
            pending.notes.append(found.near_tie_note)
        return True

    def _check_new_columns(self, relative: str, found: Match) -> None:
        table = found.layout.name
        existing = set(table_columns(self.con, table)) | self.new_columns.get(table, set())
        if not existing:
            return
        known = existing | set(found.layout.columns)
        new = [c for c in found.mapping.columns if c not in known]
        if len(new) > self.options.max_new_columns:
            shown = ", ".join(new[:5]) + (", …" if len(new) > 5 else "")
            raise QuarantineFile(
                f"{relative}: would add {len(new):,} new columns to bronze table {table} "
                f"({shown}); the limit is {self.options.max_new_columns:,} per file (setting "
                "ingest_max_new_columns). Check that this is the right export."
            )
        self.new_columns.setdefault(table, set()).update(new)

    def _type(self, pending: PendingFile, prefix: str) -> None:
        """Detect every column's format; an ambiguous typed column quarantines the file."""
        assert pending.match is not None and pending.staged is not None
        layout = pending.match.layout
        options = self.options
        context = DetectionContext(
            declared=dict(layout.types),
            forced=dict(layout.formats),
            layout_date_order=layout.date_order,
            date_order=options.date_order,
            date_order_source=options.date_order_source,
            decimal_separator=options.decimal_separator,
            decimal_separator_source=options.decimal_separator_source,
            prior=self.prior.get(layout.name, {}),
            source_date_order=self._source_order(layout.source),
            date_min=options.date_min,
            date_max=options.date_max,
        )
        columns = pending.match.mapping.columns
        with one_thread_when_wide(self.con, len(columns)):
            pending.formats = detect_formats(
                self.con, pending.staged.source_sql, columns, context, temp_prefix=prefix
            )
        blocking, notes = format_notes(pending.path, pending.formats, context, tenant=self.tenant)
        pending.notes.extend(notes)
        if blocking:
            raise QuarantineFile(blocking, ambiguous=True)
        self._learn_source_order(layout.source, pending)

    def _source_order(self, source: str) -> tuple[str, str] | None:
        known = self.source_orders.get(source) if source else None
        if not known or not known[0]:
            return None
        order, files = known
        return order, f"other {source} files ({files})"

    def _learn_source_order(self, source: str, pending: PendingFile) -> None:
        """Remember the date order this file's own values settled, for its source."""
        orders = settled_date_orders(pending.formats)
        if not source or not orders:
            return
        known = self.source_orders.get(source)
        if len(orders) > 1 or (known and known[0] and known[0] not in orders):
            self.source_orders[source] = ("", "")  # the source's files disagree: no evidence
        elif known is None or known[0]:
            files = pending.path if known is None else f"{known[1]}, {pending.path}"
            self.source_orders[source] = (next(iter(orders)), files)


def quarantine_item(item: PendingFile, exc: BaseException, con: duckdb.DuckDBPyConnection) -> None:
    """Mark a file quarantined with the first line of its error, dropping what it staged."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, QuarantineFile | InputError):
        item.message = text if text.startswith(item.path) else f"{item.path}: {text}"
    else:
        item.message = f"{item.path}: cannot be read: {text}"
    item.status = FileStatus.QUARANTINED
    drop_temp_tables(con, item.temp_tables)
    item.staged = None
    item.extra_temp = []
    item.match = None
