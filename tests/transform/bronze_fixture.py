"""Build a bronze DuckDB for tests the way ingest lays it out (until tests use revlake.ingest).

One VARCHAR-only table per layout in schema main, columns named by
`revlake.ingest.naming.normalize_column_name(native header)`, plus the load metadata
columns `_source_file, _row_number, _load_id, _loaded_at`. Shared by both dbt engineers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb

from revlake.ingest.naming import normalize_column_name

LOAD_ID = "test-load-1"
LOADED_AT = "2026-11-21 00:00:00"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write_csv_tables(bronze_path: Path, tables: Mapping[str, Path]) -> None:
    """Load each CSV (native headers) into bronze table `name`, all values as text."""
    con = duckdb.connect(str(bronze_path))
    try:
        for table, csv_path in tables.items():
            headers = con.execute(
                "select * from read_csv(?, all_varchar = true, header = true) limit 0",
                [str(csv_path)],
            ).description
            assert headers is not None
            select = ", ".join(
                f"{_quote(h[0])} as {_quote(normalize_column_name(h[0]))}" for h in headers
            )
            con.execute(
                f"create or replace table {_quote(table)} as select {select}, "
                "? as _source_file, "
                "cast(row_number() over () as varchar) as _row_number, "
                f"'{LOAD_ID}' as _load_id, '{LOADED_AT}' as _loaded_at "
                "from read_csv(?, all_varchar = true, header = true)",
                [csv_path.name, str(csv_path)],
            )
    finally:
        con.close()


def write_row_tables(
    bronze_path: Path,
    tables: Mapping[str, tuple[Sequence[str], Sequence[Sequence[str | None]]]],
) -> None:
    """Create bronze tables from (native headers, rows of text) given inline."""
    con = duckdb.connect(str(bronze_path))
    try:
        for table, (headers, rows) in tables.items():
            columns = [normalize_column_name(h) for h in headers]
            columns += ["_source_file", "_row_number", "_load_id", "_loaded_at"]
            column_sql = ", ".join(f"{_quote(c)} varchar" for c in columns)
            con.execute(f"create or replace table {_quote(table)} ({column_sql})")
            placeholders = ", ".join("?" for _ in columns)
            con.executemany(
                f"insert into {_quote(table)} values ({placeholders})",
                [
                    [*row, f"{table}.csv", str(i + 1), LOAD_ID, LOADED_AT]
                    for i, row in enumerate(rows)
                ],
            )
    finally:
        con.close()
