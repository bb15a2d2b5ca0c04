"""What a built snapshot holds: the tables of a schema (used by build, export and Spark)."""

from __future__ import annotations

import duckdb


def schema_tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    """Base tables of `schema` in the connected DuckDB database, by name."""
    return [
        str(row[0])
        for row in con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = ? and table_type = 'BASE TABLE' order by table_name",
            [schema],
        ).fetchall()
    ]
