"""Hand the published gold layer to BI tools: Parquet files, or a PostgreSQL schema.

Both read the tenant's published snapshot (never a build in progress), so what a BI tool
sees is always a complete, tested build.

PostgreSQL publication is atomic for readers: the tables are loaded into a fresh schema
`<schema>__loading` and, in the same transaction, the old schema is dropped and the new one
renamed, so Power BI, Metabase or Superset see either the previous build or this one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from revlake.errors import InputError, RevlakeError
from revlake.reader import open_published
from revlake.transform.catalog import schema_tables
from revlake.transform.project import GOLD_SCHEMA
from revlake.workspace import Workspace

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# DuckDB type → PostgreSQL type; anything else is sent as text.
_PG_TYPES = {
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "numeric",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "VARCHAR": "text",
}


@dataclass(frozen=True)
class ExportedTable:
    """One gold table handed over: where it went and how many rows."""

    table: str
    rows: int
    target: str


def export_parquet(workspace: Workspace, tenant: str, out_dir: Path) -> list[ExportedTable]:
    """Write every gold table of the published snapshot to `out_dir/<table>.parquet`."""
    build = open_published(workspace, tenant)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        build.close()
        raise InputError(f"cannot write to {out_dir}: {exc.strerror}") from None
    exported = []
    with build, build.cursor() as con:
        for table in schema_tables(con, GOLD_SCHEMA):
            target = out_dir / f"{table}.parquet"
            tmp = out_dir / f".{table}.parquet.tmp"
            con.execute(
                f"copy {GOLD_SCHEMA}.\"{table}\" to '{_sql_string(str(tmp))}' "
                "(format parquet, compression zstd)"
            )
            tmp.replace(target)
            rows = con.execute(f'select count(*) from {GOLD_SCHEMA}."{table}"').fetchone()
            exported.append(ExportedTable(table, int(rows[0]) if rows else 0, str(target)))
    return exported


def _sql_string(text: str) -> str:
    return text.replace("'", "''")


def _pg_type(duckdb_type: str) -> str:
    if duckdb_type.startswith("DECIMAL"):
        return duckdb_type.lower().replace("decimal", "numeric")
    return _PG_TYPES.get(duckdb_type, "text")


def publish_postgres(
    workspace: Workspace, tenant: str, url: str, schema: str | None = None
) -> list[ExportedTable]:
    """Replace schema `schema` (default: the tenant id) in PostgreSQL with the gold tables."""
    import psycopg

    target_schema = (schema or tenant).replace("-", "_")
    if not _IDENTIFIER.match(target_schema):
        raise InputError(
            f"--schema {target_schema!r}: use lowercase letters, digits and '_' (max 63)"
        )
    conninfo = re.sub(r"^postgresql\+psycopg://", "postgresql://", url)
    if not conninfo.startswith(("postgresql://", "postgres://")):
        raise InputError(f"URL must start with postgresql:// (got {url.split('://')[0]}://...)")
    build = open_published(workspace, tenant)
    loading = f"{target_schema}__loading"
    exported: list[ExportedTable] = []
    try:
        with (
            build.cursor() as source,
            psycopg.connect(conninfo, connect_timeout=10) as pg,
            pg.transaction(),
        ):
            pg.execute(f'drop schema if exists "{loading}" cascade')
            pg.execute(f'create schema "{loading}"')
            for table in schema_tables(source, GOLD_SCHEMA):
                columns = source.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [GOLD_SCHEMA, table],
                ).fetchall()
                ddl = ", ".join(f'"{name}" {_pg_type(str(kind))}' for name, kind in columns)
                pg.execute(f'create table "{loading}"."{table}" ({ddl})')
                names = ", ".join(f'"{name}"' for name, _ in columns)
                rows = 0
                cursor = source.execute(f'select {names} from {GOLD_SCHEMA}."{table}"')
                with pg.cursor().copy(f'copy "{loading}"."{table}" ({names}) from stdin') as copy:
                    while batch := cursor.fetchmany(10_000):
                        for row in batch:
                            copy.write_row(row)
                        rows += len(batch)
                exported.append(ExportedTable(table, rows, f"{target_schema}.{table}"))
            pg.execute(f'drop schema if exists "{target_schema}" cascade')
            pg.execute(f'alter schema "{loading}" rename to "{target_schema}"')
    except psycopg.OperationalError as exc:
        raise RevlakeError(f"cannot reach PostgreSQL: {str(exc).strip()}") from None
    finally:
        build.close()
    return exported
