"""Carry the formats ingest detected into dbt, so silver parses each value with its file's.

Bronze's `_column_formats` says, per load, file and column, how the values are written
(`%m/%d/%y`, `num:,:.:`, …). Before a build this module turns it into one dbt var,
`revlake_formats`, read by the `bronze_table` and parse macros
(macros/bronze_table.sql, macros/money.sql):

- `columns`: for each bronze column name with a format that DuckDB's plain cast would not
  read (anything but ISO, plain numbers, booleans), the SQL that parses each of its formats
  (`__V__` stands for the value), for the build's engine;
- `tables`: per table and such column, the formats its files use: one → a constant, several
  → a join on `_column_formats` by (load, file);
- `issues`: per table, the columns with values that fit no format, or dates out of range,
  and their kind: `bronze_table` adds `_value_issues` naming them per row;
- `date_min` / `date_max`: the plausible date range (later or earlier dates are nulls with
  an issue, never passed on).

Every format's SQL comes from `revlake.ingest.values.ValueFormat.parse_sql`, the same code
ingest verified the whole column with.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from revlake.ingest.options import latest_plausible_date
from revlake.ingest.values import BOOL, EMPTY, ISO, PLAIN_NUMBER, TEXT, format_from_code

VAR_NAME = "revlake_formats"
PLACEHOLDER = "__V__"
_TRIVIAL = frozenset({ISO, PLAIN_NUMBER, BOOL, TEXT, EMPTY})


def _rows(bronze: Path) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(bronze), read_only=True)
    try:
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_name = '_column_formats'"
        ).fetchone()
        if not exists or not exists[0]:
            return []
        return con.execute(
            """SELECT table_name, column_name, format, kind, declared_kind,
                      max(invalid) AS invalid, max(non_null) AS non_null
            FROM main._column_formats
            GROUP BY ALL ORDER BY ALL"""
        ).fetchall()
    finally:
        con.close()


def format_vars(bronze: Path, *, engine: str = "duckdb", years_ahead: int = 20) -> dict[str, Any]:
    """The `revlake_formats` dbt var for a tenant's bronze (see the module docstring).

    A file whose column has no settled format (nothing fitted its declared kind, or it was
    ambiguous) counts as format `""`: its values parse to null and are flagged.
    """
    rows = _rows(bronze)
    columns: dict[str, dict[str, str]] = {}
    issues: dict[str, dict[str, str]] = {}
    for table, column, code, kind, declared, invalid, non_null in rows:
        unsettled = code is None and non_null and declared not in (None, "text")
        if invalid or unsettled:
            issues.setdefault(table, {})[column] = _issue_kind(declared or kind)
        if code is not None and code not in _TRIVIAL:
            columns.setdefault(column, {})
    tables: dict[str, dict[str, list[str]]] = {}
    for table, column, code, _kind, _declared, _invalid, non_null in rows:
        if column not in columns or code == EMPTY or (code is None and not non_null):
            continue
        codes = tables.setdefault(table, {}).setdefault(column, [])
        if (code or "") not in codes:
            codes.append(code or "")
        if code:
            columns[column][code] = format_from_code(code).parse_sql(PLACEHOLDER, engine)
    for by_column in tables.values():
        for codes in by_column.values():
            codes.sort()
    return {
        "columns": columns,
        "tables": tables,
        "issues": issues,
        "date_min": "1900-01-01",
        "date_max": latest_plausible_date(years_ahead).isoformat(),
    }


def _issue_kind(kind: str) -> str:
    if kind in ("date", "timestamp"):
        return "timestamp"
    if kind in ("number", "integer"):
        return "number"
    if kind == "boolean":
        return "boolean"
    return "text"
