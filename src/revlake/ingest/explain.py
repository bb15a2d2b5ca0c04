"""`revlake layouts explain FILE`: why a file matches a layout (or none), column by column.

The same code paths as an ingest (readers, matching by evidence, typed detection) run on
an in-memory DuckDB, so what it says is what `revlake ingest` would do, without touching
any workspace: which layout wins and by how much evidence, the runners-up and why the
closest non-fitting layouts do not fit, and for each column of the file its bronze column,
its role in the layout and the format detected over the whole column.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from revlake.errors import InputError
from revlake.ingest.bronze import ensure_bookkeeping
from revlake.ingest.detect import ColumnFormat
from revlake.ingest.formats import SUPPORTED_SUFFIXES, detect_format
from revlake.ingest.layouts import Layout
from revlake.ingest.manifest import hash_file
from revlake.ingest.matching import Evidence, rank_layouts
from revlake.ingest.naming import normalize_column_name
from revlake.ingest.options import IngestOptions
from revlake.ingest.stager import READ_ERRORS, PendingFile, Stager
from revlake.ingest.summary import FileStatus

RANKED_SHOWN = 5


@dataclass(frozen=True)
class ColumnRole:
    """One column of the file as the chosen layout sees it."""

    header: str
    column: str  # bronze column
    role: str  # required / optional / distinctive / extra (not in the layout)
    declared: str | None
    detected: ColumnFormat | None


@dataclass
class Explanation:
    """Everything `layouts explain` prints for one file."""

    path: str
    headers: tuple[str, ...]
    ranked: list[Evidence]
    chosen: str | None
    verdict: str  # the ingest's outcome in one line
    columns: list[ColumnRole] = field(default_factory=list)
    missing: tuple[str, ...] = ()  # the chosen layout's columns the file lacks
    notes: tuple[str, ...] = ()
    rows: int | None = None


def _roles(layout: Layout, headers: tuple[str, ...], mapping: tuple[str, ...]) -> list[str]:
    roles = []
    for column in mapping:
        if column in layout.distinctive:
            roles.append("distinctive")
        elif column in layout.required:
            roles.append("required")
        elif column in layout.optional:
            roles.append("optional")
        else:
            roles.append("extra")
    return roles


def explain_file(
    path: Path, layouts: list[Layout], options: IngestOptions | None = None, *, tenant: str = ""
) -> Explanation:
    """Explain how ingest would recognise and type `path` (InputError if unreadable)."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    fmt = detect_format(path)
    if fmt is None:
        raise InputError(
            f"{path.name}: not a file type revlake reads (supported: "
            f"{', '.join(SUPPORTED_SUFFIXES)})"
        )
    options = options or IngestOptions()
    con = duckdb.connect()
    try:
        ensure_bookkeeping(con)
        with tempfile.TemporaryDirectory(prefix="revlake-explain-") as tmp:
            stager = Stager(con, layouts, Path(tmp), options, tenant)
            facts = hash_file(path)
            pending = PendingFile(
                path=path.name,
                content_hash=facts.content_hash,
                size=path.stat().st_size,
                mtime_ns=0,
                version=1,
                status=FileStatus.LOADED,
                format=fmt.value,
            )
            error = ""
            try:
                stager.stage(path, path.name, pending, facts)
            except READ_ERRORS as exc:
                error = str(exc).splitlines()[0]
            headers = stager.last_headers
            ranked = rank_layouts(headers, path.name, layouts)
            rows = None
            if pending.staged is not None:
                counted = con.execute(
                    f"SELECT count(*) FROM ({pending.staged.source_sql})"
                ).fetchone()
                rows = int(counted[0]) if counted else 0
    finally:
        con.close()
    return _explanation(path.name, headers, ranked, pending, error, rows)


def _explanation(
    name: str,
    headers: tuple[str, ...],
    ranked: list[Evidence],
    pending: PendingFile,
    error: str,
    rows: int | None,
) -> Explanation:
    match = pending.match
    if error:
        verdict = f"quarantined: {error}"
    elif pending.status is FileStatus.EMPTY:
        verdict = "empty: nothing to load"
    elif match is None:
        verdict = "unrecognised: " + pending.message
    else:
        verdict = f"loads into bronze table {match.layout.name}"
        if match.runner_up:
            verdict += f" ({match.near_tie_note})"
    explanation = Explanation(
        path=name,
        headers=headers,
        ranked=ranked[:RANKED_SHOWN],
        chosen=match.layout.name if match else None,
        verdict=verdict,
        notes=tuple(pending.notes),
        rows=rows,
    )
    if match is None:
        return explanation
    formats = {f.column: f for f in pending.formats}
    mapping = match.mapping.columns
    for header, column, role in zip(
        headers, mapping, _roles(match.layout, headers, mapping), strict=True
    ):
        explanation.columns.append(
            ColumnRole(
                header=header,
                column=column,
                role=role,
                declared=match.layout.types.get(column),
                detected=formats.get(column),
            )
        )
    present = {normalize_column_name(h) for h in headers} | set(mapping)
    explanation.missing = tuple(c for c in match.layout.columns if c not in present)
    return explanation
