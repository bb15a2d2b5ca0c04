"""Detected formats in bronze (`_column_formats`): write, read back, explain.

One row per load, file and column: kind, format code, how many values did not fit (and
examples), the parsed range, and the evidence that settled it. Silver parses every value
with the format recorded for its file (`revlake.transform.formats`); later loads of the
same table use earlier ones as evidence for columns their own values leave ambiguous.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa

from revlake.ingest.detect import ColumnFormat, DetectionContext, detect_formats
from revlake.ingest.layouts import Layout
from revlake.ingest.options import IngestOptions
from revlake.ingest.sql import ident, literal
from revlake.ingest.values import describe, format_from_code


def insert_formats(
    con: duckdb.DuckDBPyConnection,
    formats: Sequence[ColumnFormat],
    *,
    load_id: str,
    source_file: str,
    table: str | None,
) -> None:
    """Record one file's detected column formats."""
    if not formats or table is None:
        return
    rows = pa.Table.from_pylist(
        [
            {
                "load_id": load_id,
                "source_file": source_file,
                "table_name": table,
                "column_name": f.column,
                "kind": f.kind.value,
                "format": f.code,
                "declared_kind": f.declared,
                "non_null": f.non_null,
                "invalid": f.invalid,
                "out_of_range": f.out_of_range,
                "invalid_examples": list(f.examples),
                "min_value": f.min_value,
                "max_value": f.max_value,
                "evidence": f.evidence,
                "candidates": list(f.candidates),
                "samples": list(f.samples),
            }
            for f in formats
        ],
        schema=_SCHEMA,
    )
    con.register("_formats_rows", rows)
    try:
        con.execute("INSERT INTO main._column_formats BY NAME SELECT * FROM _formats_rows")
    finally:
        con.unregister("_formats_rows")


_SCHEMA = pa.schema(
    [
        ("load_id", pa.string()),
        ("source_file", pa.string()),
        ("table_name", pa.string()),
        ("column_name", pa.string()),
        ("kind", pa.string()),
        ("format", pa.string()),
        ("declared_kind", pa.string()),
        ("non_null", pa.int64()),
        ("invalid", pa.int64()),
        ("out_of_range", pa.int64()),
        ("invalid_examples", pa.list_(pa.string())),
        ("min_value", pa.string()),
        ("max_value", pa.string()),
        ("evidence", pa.string()),
        ("candidates", pa.list_(pa.string())),
        ("samples", pa.list_(pa.string())),
    ]
)


def prior_formats(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, tuple[str, str]]]:
    """Per table and column, the latest settled typed format and the file it came from."""
    rows = con.execute(
        """SELECT f.table_name, f.column_name, f.format, f.source_file
        FROM main._column_formats f
        JOIN main._manifest m ON m.load_id = f.load_id AND m.path = f.source_file
        WHERE f.format IS NOT NULL AND f.kind IN ('date', 'timestamp', 'number', 'integer')
          AND f.evidence <> 'ambiguous'
        QUALIFY row_number() OVER (
          PARTITION BY f.table_name, f.column_name ORDER BY m.loaded_at DESC) = 1"""
    ).fetchall()
    found: dict[str, dict[str, tuple[str, str]]] = {}
    for table, column, code, source in rows:
        found.setdefault(str(table), {})[str(column)] = (str(code), str(source))
    return found


def prior_source_orders(
    con: duckdb.DuckDBPyConnection, layouts: Sequence[Layout]
) -> dict[str, tuple[str, str]]:
    """Per source (salesforce, xero …), the date order earlier loads' values settled.

    Sources whose earlier files settled different orders give no evidence ("" order).
    """
    source_of = {layout.name: layout.source for layout in layouts if layout.source}
    rows = con.execute(
        """SELECT table_name, source_file, format, kind, evidence FROM main._column_formats
        WHERE evidence = 'values' AND kind IN ('date', 'timestamp') AND format LIKE '%\\%%'
          ESCAPE '\' AND format <> '%Y%m%d'"""
    ).fetchall()
    found: dict[str, tuple[str, str]] = {}
    for table, source_file, code, _kind, _evidence in rows:
        source = source_of.get(str(table))
        order = format_from_code(str(code)).order
        if not source or not order:
            continue
        known = found.get(source)
        if known is None:
            found[source] = (order, f"earlier load of {source_file}")
        elif known[0] and known[0] != order:
            found[source] = ("", "")
    return found


def _quoted(values: Sequence[str], limit: int = 3) -> str:
    return ", ".join(repr(v) for v in values[:limit])


def format_notes(
    path: str, formats: Sequence[ColumnFormat], context: DetectionContext, *, tenant: str = ""
) -> tuple[str | None, list[str]]:
    """What the user must know about a file's formats: a blocking problem, and notes.

    A typed column (declared by the layout) that stays ambiguous blocks the file: loading
    it would either guess or publish nulls. Values that do not fit their column's format,
    or dates out of range, are notes: the rows load and silver flags them.
    """
    blocking: list[str] = []
    notes: list[str] = []
    for f in formats:
        if f.ambiguous:
            choices = " and ".join(f.candidates[:3])
            temporal = f.kind.is_temporal
            if f.declared and f.declared != "text":
                setting = (
                    'date_order = "MDY" (or "DMY", "YMD")'
                    if temporal
                    else 'decimal_separator = "." (or ",")'
                )
                where = f'[[tenants]] id = "{tenant}"' if tenant else "[[tenants]] or [workspace]"
                blocking.append(
                    f"{path}: column {f.column} ({f.declared}) is ambiguous: its values fit "
                    f"{choices} alike (e.g. {_quoted(f.samples)}) and nothing else in the file "
                    f"or earlier loads settles it. Add {setting} to revlake.toml ({where}), or "
                    f'`[formats] {f.column} = "{f.candidates[0]}"` to the layout'
                )
            else:
                notes.append(f"{f.column}: ambiguous ({choices}), kept as text")
            continue
        if f.invalid and f.code is not None:
            kind = f.kind.value if f.kind.value != "integer" else "number"
            fitting = f.invalid - f.out_of_range
            if fitting:
                notes.append(
                    f"{f.column}: {fitting:,} value(s) are not {kind}s in {describe(f.code)} "
                    f"(e.g. {_quoted(f.examples)}): flagged in silver"
                )
            if f.out_of_range:
                notes.append(
                    f"{f.column}: {f.out_of_range:,} date(s) outside "
                    f"{context.date_min.isoformat()}..{context.date_max.isoformat()} "
                    f"(e.g. {_quoted(f.examples)}): flagged in silver"
                )
        elif f.code is None and f.declared and f.non_null:
            notes.append(
                f"{f.column}: declared {f.declared}, but no {f.declared} format fits its values "
                f"(e.g. {_quoted(f.samples)}): flagged in silver"
            )
    return ("; ".join(blocking) if blocking else None), notes


def backfill_formats(
    con: duckdb.DuckDBPyConnection, layouts: Sequence[Layout], options: IngestOptions
) -> list[tuple[str, str, str, list[ColumnFormat]]]:
    """Formats for files loaded before typed detection existed (detected once, on upgrade)."""
    missing = con.execute(
        """SELECT m.load_id, m.path, m.layout FROM main._manifest m
        WHERE m.status = 'loaded' AND m.rows_loaded > 0 AND m.layout IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM main._column_formats f
                          WHERE f.load_id = m.load_id AND f.source_file = m.path)
        ORDER BY m.loaded_at, m.path"""
    ).fetchall()
    by_name = {layout.name: layout for layout in layouts}
    found: list[tuple[str, str, str, list[ColumnFormat]]] = []
    for number, (load_id, path, table) in enumerate(missing):
        columns = [
            str(r[0])
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
                "AND table_name = ? AND column_name NOT LIKE '\\_%' ESCAPE '\\' "
                "ORDER BY ordinal_position",
                [table],
            ).fetchall()
        ]
        if not columns:
            continue
        layout = by_name.get(str(table))
        select = ", ".join(f"{ident(c)} AS c{i}" for i, c in enumerate(columns))
        source = (
            f"SELECT {select} FROM main.{ident(str(table))} "
            f"WHERE _load_id = {literal(str(load_id))} AND _source_file = {literal(str(path))}"
        )
        context = DetectionContext(
            declared=dict(layout.types) if layout else {},
            forced=dict(layout.formats) if layout else {},
            layout_date_order=layout.date_order if layout else None,
            date_order=options.date_order,
            decimal_separator=options.decimal_separator,
            date_min=options.date_min,
            date_max=options.date_max,
        )
        formats = detect_formats(con, source, columns, context, temp_prefix=f"_backfill_{number}")
        found.append((str(load_id), str(path), str(table), formats))
    return found
