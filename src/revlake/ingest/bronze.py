"""The bronze database: its bookkeeping tables, bronze tables and schema evolution.

Bronze tables hold the source values as text (VARCHAR) under the layout's column names,
plus load metadata. Bookkeeping tables start with `_` so that every table without a
leading underscore is a bronze table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb

from revlake.ingest.sql import ident, literal

METADATA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_source_file", "VARCHAR"),
    ("_row_number", "BIGINT"),
    ("_line_number", "BIGINT"),
    ("_load_id", "VARCHAR"),
    ("_loaded_at", "TIMESTAMP"),
)

_BOOKKEEPING_DDL = (
    """CREATE TABLE IF NOT EXISTS main._manifest (
        content_hash VARCHAR, path VARCHAR, size BIGINT, mtime TIMESTAMP, layout VARCHAR,
        version INTEGER, load_id VARCHAR, rows_loaded BIGINT, rows_rejected BIGINT,
        loaded_at TIMESTAMP, status VARCHAR, format VARCHAR, encoding VARCHAR,
        new_columns VARCHAR[], message VARCHAR, mtime_ns BIGINT)""",
    """CREATE TABLE IF NOT EXISTS main._rejects (
        load_id VARCHAR, source_file VARCHAR, line_number BIGINT, raw_text VARCHAR,
        reason VARCHAR, layout VARCHAR, row_number BIGINT)""",
    """CREATE TABLE IF NOT EXISTS main._column_formats (
        load_id VARCHAR, source_file VARCHAR, table_name VARCHAR, column_name VARCHAR,
        kind VARCHAR, format VARCHAR, declared_kind VARCHAR, non_null BIGINT,
        invalid BIGINT, out_of_range BIGINT, invalid_examples VARCHAR[], min_value VARCHAR,
        max_value VARCHAR, evidence VARCHAR, candidates VARCHAR[], samples VARCHAR[])""",
    """CREATE TABLE IF NOT EXISTS main._quarantine (
        path VARCHAR, content_hash VARCHAR, size BIGINT, mtime_ns BIGINT, reason VARCHAR,
        line_number BIGINT, column_name VARCHAR, first_load_id VARCHAR,
        first_seen_at TIMESTAMP, last_load_id VARCHAR, last_seen_at TIMESTAMP,
        status VARCHAR, closed_at TIMESTAMP, closed_by VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS main._loads (
        load_id VARCHAR, tenant VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP,
        files_seen INTEGER, files_loaded INTEGER, rows_loaded BIGINT, rows_rejected BIGINT,
        strict BOOLEAN)""",
)


def ensure_bookkeeping(con: duckdb.DuckDBPyConnection) -> None:
    """Create the manifest, rejects and loads tables if they do not exist yet."""
    for ddl in _BOOKKEEPING_DDL:
        con.execute(ddl)


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [str(r[0]) for r in rows]


def ensure_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    layout_columns: Sequence[str],
    file_columns: Sequence[str],
) -> list[str]:
    """Create or widen the bronze table; returns the columns this file added.

    A new table gets the layout's columns, the file's extra columns and the metadata.
    An existing table gains any missing column (ALTER TABLE ADD COLUMN: old rows null);
    columns the file lacks stay (new rows null). Added columns that are not part of the
    layout are reported as new.
    """
    existing = table_columns(con, table)
    wanted = list(dict.fromkeys([*layout_columns, *file_columns]))
    if not existing:
        definitions = [f"{ident(c)} VARCHAR" for c in wanted]
        definitions += [f"{ident(name)} {kind}" for name, kind in METADATA_COLUMNS]
        con.execute(f"CREATE TABLE main.{ident(table)} ({', '.join(definitions)})")
        return [c for c in file_columns if c not in layout_columns]
    added = [c for c in wanted if c not in existing]
    for column in added:
        con.execute(f"ALTER TABLE main.{ident(table)} ADD COLUMN {ident(column)} VARCHAR")
    return added


def insert_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    source_sql: str,
    *,
    source_file: str,
    load_id: str,
    loaded_at: dt.datetime,
) -> int:
    """Insert a staged file's rows (`c0…` → `columns`) with load metadata; returns the count."""
    targets = [*columns, *(name for name, _ in METADATA_COLUMNS)]
    values = [f"c{i}" for i in range(len(columns))] + [
        literal(source_file),
        "_rn",
        "_ln",
        literal(load_id),
        f"TIMESTAMP {literal(loaded_at.isoformat(sep=' '))}",
    ]
    result = con.execute(
        f"INSERT INTO main.{ident(table)} ({', '.join(ident(t) for t in targets)}) "
        f"SELECT {', '.join(values)} FROM ({source_sql})"
    ).fetchone()
    return int(result[0]) if result else 0


def insert_rejects(
    con: duckdb.DuckDBPyConnection,
    rejects_sql: str,
    *,
    load_id: str,
    source_file: str,
    layout: str | None,
) -> None:
    """Copy a staged file's rejects (rn, ln, raw, reason) into `_rejects`."""
    con.execute(
        "INSERT INTO main._rejects (load_id, source_file, line_number, raw_text, reason, layout, "
        "row_number) SELECT ?, ?, ln, raw, reason, ?, rn FROM (" + rejects_sql + ")",
        [load_id, source_file, layout],
    )
