"""Run the shipped dbt project on Apache Spark and compare its gold layer with DuckDB's.

The same models run on both engines (dbt-duckdb and dbt-spark, `session` method): this
module is how revlake proves it. It
  1. exports a tenant's bronze DuckDB tables to Parquet,
  2. registers them in a local Spark session as database `bronze`,
  3. runs `dbt build` with a dbt-spark session profile (bronze read from schema `bronze`),
  4. compares every gold table of the Spark run with the DuckDB build row by row.

On a cluster (Databricks) the same dbt project runs with a dbt-databricks profile; see
docs/TRANSFORM.md, "Running on Spark and Databricks".
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from revlake.errors import InputError, RevlakeError
from revlake.ingest.sql import literal
from revlake.transform.catalog import schema_tables
from revlake.transform.project import GOLD_SCHEMA, PROJECT_DIR
from revlake.transform.runner import DbtInvocation, invoke_dbt

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import SparkSession

BRONZE_DATABASE = "bronze"
SPARK_PROFILE = "revlake"
SPARK_TARGET = "spark"
FLOAT_DIGITS = 6
"""Doubles are compared rounded to this many decimals (engines sum in different orders)."""


def spark_vars() -> dict[str, Any]:
    """dbt vars that point bronze_table at the Spark database `bronze` (no catalog)."""
    return {"bronze_database": None, "bronze_schema": BRONZE_DATABASE}


def parquet_file_name(table: str) -> str:
    """The Parquet file of a bronze table: Spark skips files starting with `_` (hidden)."""
    return f"bookkeeping{table}.parquet" if table.startswith("_") else f"{table}.parquet"


def export_bronze_parquet(bronze: Path, out_dir: Path) -> dict[str, list[str]]:
    """Write every layout table of bronze (schema main) to out_dir (`parquet_file_name`).

    Returns {table: columns}. Every value is exported as text, as bronze's contract says
    (the load metadata columns too, which the models cast), so that the Spark tables can be
    declared with an explicit all-string schema: Spark cannot infer one from an empty
    Parquet file. Of ingest's bookkeeping tables only `_column_formats` is exported: the
    models join it to parse each file's values with its detected format (`_manifest`,
    `_rejects`, `_loads` and `_quarantine` are skipped: no model reads them).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(bronze), read_only=True)
    try:
        columns: dict[str, list[str]] = {}
        for table, column in con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'main' and (table_name not like '\\_%' escape '\\' "
            "or table_name = '_column_formats') order by table_name, ordinal_position"
        ).fetchall():
            columns.setdefault(str(table), []).append(str(column))
        for table, names in columns.items():
            select = ", ".join(f'cast("{c}" as varchar) as "{c}"' for c in names)
            target = out_dir / parquet_file_name(table)
            con.execute(
                f"copy (select {select} from main.\"{table}\") to '{target}' (format parquet)"
            )
        return columns
    finally:
        con.close()


def missing_spark_dependencies() -> list[str]:
    """What a Spark build needs and this machine lacks: pyspark, dbt-spark, Java."""
    import importlib.util
    import os
    import shutil

    missing = [
        name
        for name, module in (("pyspark", "pyspark"), ("dbt-spark", "dbt.adapters.spark"))
        if importlib.util.find_spec(module.split(".")[0]) is None
        or importlib.util.find_spec(module) is None
    ]
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        missing.append("Java 17 (java on PATH or JAVA_HOME)")
    return missing


def require_spark() -> None:
    """Raise InputError naming what to install when a Spark build cannot start here."""
    missing = missing_spark_dependencies()
    if missing:
        raise InputError(
            f"--engine spark needs {', '.join(missing)}: pip install "
            "'dbt-spark[session]>=1.11,<1.12' 'pyspark>=4,<5' and a Java 17 runtime "
            '(docs/TRANSFORM.md, "Running on Spark and Databricks")'
        )


SESSION_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",  # dates and timestamps as the DuckDB build reads them
    "spark.sql.ansi.enabled": "false",  # the models' try_cast/overflow semantics
    "spark.sql.catalogImplementation": "in-memory",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}
"""Settings every revlake Spark session has (a workspace's `spark_conf` may override them)."""

LOCAL_CONF: dict[str, str] = {
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.adaptive.enabled": "false",
    "spark.driver.memory": "1g",
}
"""Extra settings of a local session: small data, few cores, no adaptive re-planning."""


def spark_session(
    warehouse: Path,
    *,
    master: str | None = None,
    conf: dict[str, str] | None = None,
    cores: int = 2,
    log_level: str = "ERROR",
) -> SparkSession:
    """The Spark session a revlake build runs on: local[cores] by default, or `master`.

    `conf` (a workspace's `spark_conf`) is applied last. dbt-spark's `session` method calls
    SparkSession.builder.getOrCreate(), so it reuses this session and its settings.
    """
    from pyspark.sql import SparkSession

    warehouse.mkdir(parents=True, exist_ok=True)
    local = master is None or master.startswith("local")
    settings = {
        **SESSION_CONF,
        **(LOCAL_CONF if local else {}),
        **({"spark.default.parallelism": str(cores)} if master is None else {}),
        "spark.sql.warehouse.dir": str(warehouse),
        **(conf or {}),
    }
    builder: Any = SparkSession.builder.master(master or f"local[{cores}]").appName("revlake")
    for key, value in settings.items():
        builder = builder.config(key, value)
    session: SparkSession = builder.getOrCreate()
    # dbt-spark calls getOrCreate() for every node, and Spark warns each time that the
    # session exists (700 lines per build): only errors are logged
    session.sparkContext.setLogLevel(log_level)
    return session


def local_spark_session(warehouse: Path, *, cores: int = 2) -> SparkSession:
    """A small local Spark session for tests and laptops (in-memory catalog, no UI)."""
    return spark_session(warehouse, cores=cores)


def register_bronze(spark: SparkSession, parquet_dir: Path, tables: dict[str, list[str]]) -> None:
    """Create database `bronze` with one all-string table per Parquet file (no copy)."""
    spark.sql(f"create database if not exists {BRONZE_DATABASE}")
    for table, columns in tables.items():
        location = (parquet_dir / parquet_file_name(table)).resolve()
        schema = ", ".join(f"`{c}` string" for c in columns)
        spark.sql(f"drop table if exists {BRONZE_DATABASE}.`{table}`")
        spark.sql(
            f"create table {BRONZE_DATABASE}.`{table}` ({schema}) "
            f"using parquet location '{location}'"
        )


def as_spark_arrow(table: pa.Table) -> pa.Table:
    """A DuckDB build's Arrow table as Spark built it: naive timestamps (UTC, as
    `spark_build.as_duckdb_arrow` wrote them) become UTC instants, Spark's `timestamp`."""
    import pyarrow as pa

    fields = [
        pa.field(f.name, pa.timestamp(f.type.unit, tz="UTC"), f.nullable)
        if pa.types.is_timestamp(f.type) and f.type.tz is None
        else f
        for f in table.schema
    ]
    target = pa.schema(fields)
    return table if target.equals(table.schema) else table.cast(target)


def register_build_tables(
    spark: SparkSession, database: Path, schemas: Iterable[str], parquet_dir: Path
) -> dict[str, int]:
    """Make the tables of `schemas` in a DuckDB build (a published Spark build) tables of
    the Spark catalog, in databases of the same names, so that the models an incremental
    build does not rebuild resolve for `ref()`. Each is written to one Parquet file
    (through Arrow: the types Spark built them with) and declared over it, with an
    explicit schema, as bronze is (`register_bronze`). Returns rows per "schema.table"."""
    import pyarrow.parquet as pq
    from pyspark.sql.pandas.types import from_arrow_schema

    counts: dict[str, int] = {}
    con = duckdb.connect(str(database), read_only=True)
    try:
        for schema in schemas:
            folder = parquet_dir / schema
            folder.mkdir(parents=True, exist_ok=True)
            spark.sql(f"create database if not exists `{schema}`")
            for table in schema_tables(con, schema):
                frame = as_spark_arrow(
                    con.sql(f'select * from "{schema}"."{table}"').to_arrow_table()
                )
                location = (folder / parquet_file_name(table)).resolve()
                pq.write_table(frame, location)
                columns = ", ".join(
                    f"`{f.name}` {f.dataType.simpleString()}"
                    for f in from_arrow_schema(frame.schema, prefer_timestamp_ntz=False)
                )
                spark.sql(f"drop table if exists `{schema}`.`{table}`")
                spark.sql(
                    f"create table `{schema}`.`{table}` ({columns}) "
                    f"using parquet location '{location}'"
                )
                counts[f"{schema}.{table}"] = frame.num_rows
    finally:
        con.close()
    return counts


def spark_profile(threads: int = 1) -> dict[str, object]:
    """A dbt-spark profile using the in-process Spark session (`method: session`)."""
    return {
        SPARK_PROFILE: {
            "target": SPARK_TARGET,
            "outputs": {
                SPARK_TARGET: {
                    "type": "spark",
                    "method": "session",
                    "host": "localhost",
                    "schema": "main",
                    "threads": threads,
                }
            },
        }
    }


def run_dbt_on_spark(
    work: Path,
    *,
    command: Sequence[str] = ("build",),
    dbt_vars: dict[str, Any] | None = None,
    threads: int = 1,
    on_node_finished: Callable[[str, str], None] | None = None,
) -> DbtInvocation:
    """Run dbt on the active Spark session (bronze must be registered first)."""
    profiles = work / "spark-profiles"
    profiles.mkdir(parents=True, exist_ok=True)
    (profiles / "profiles.yml").write_text(json.dumps(spark_profile(threads)), encoding="utf-8")
    invocation = invoke_dbt(
        list(command),
        project_dir=PROJECT_DIR,
        profiles_dir=profiles,
        target_path=work / "spark-target",
        log_path=work / "spark-logs",
        dbt_vars={**(dbt_vars or {}), **spark_vars()},
        on_node_finished=on_node_finished,
    )
    if invocation.error is not None and not invocation.nodes:
        raise RevlakeError(f"dbt on Spark did not start: {invocation.error}")
    return invocation


@dataclass(frozen=True)
class TableComparison:
    """How one gold table compares between DuckDB and Spark."""

    table: str
    duckdb_rows: int
    spark_rows: int
    column_mismatch: str | None = None
    only_in_duckdb: list[tuple[object, ...]] = field(default_factory=list)
    only_in_spark: list[tuple[object, ...]] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return self.column_mismatch is None and not self.only_in_duckdb and not self.only_in_spark

    def describe(self, limit: int = 3) -> str:
        """A short human-readable account of the differences."""
        if self.equal:
            return f"{self.table}: {self.duckdb_rows} rows equal"
        if self.column_mismatch:
            return f"{self.table}: {self.column_mismatch}"
        return (
            f"{self.table}: duckdb {self.duckdb_rows} rows, spark {self.spark_rows} rows; "
            f"{len(self.only_in_duckdb)} only in duckdb e.g. {self.only_in_duckdb[:limit]}; "
            f"{len(self.only_in_spark)} only in spark e.g. {self.only_in_spark[:limit]}"
        )


def normalize_value(value: object) -> object:
    """One comparable representation of a cell across engines.

    Decimals compare by value (scales differ between engines), doubles rounded to
    FLOAT_DIGITS decimals, dates and timestamps as ISO text, everything else as is.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return value.normalize() if value != 0 else Decimal(0)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return round(value, FLOAT_DIGITS) + 0.0
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _normalized(rows: Iterable[Sequence[object]]) -> Counter[tuple[object, ...]]:
    return Counter(tuple(normalize_value(v) for v in row) for row in rows)


def gold_tables(database: Path, schema: str = GOLD_SCHEMA) -> list[str]:
    """The tables of the gold (or another) schema of a DuckDB build."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        return schema_tables(con, schema)
    finally:
        con.close()


def _duckdb_table(
    con: duckdb.DuckDBPyConnection, table: str, schema: str
) -> tuple[list[str], list[Any]]:
    cursor = con.execute(f'select * from "{schema}"."{table}"')
    return [str(d[0]).lower() for d in cursor.description or []], cursor.fetchall()


_EXAMPLES = 20
"""Rows of each side kept as examples when two DuckDB builds' tables differ."""


def _compare_in_duckdb(
    database: Path, other: Path, names: list[str], schema: str
) -> list[TableComparison] | None:
    """Two DuckDB builds compared inside DuckDB (`EXCEPT ALL` both ways), doubles rounded
    to FLOAT_DIGITS as `normalize_value` does; None when any table's column types differ
    (a Spark build's), for the row-by-row normalising comparison instead."""
    con = duckdb.connect()
    try:
        con.execute(f"attach {literal(str(database))} as left_build (read_only)")
        con.execute(f"attach {literal(str(other))} as right_build (read_only)")
        columns: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for catalog in ("left_build", "right_build"):
            for table, column, data_type in con.execute(
                "select table_name, column_name, data_type from information_schema.columns "
                "where table_catalog = ? and table_schema = ? order by ordinal_position",
                [catalog, schema],
            ).fetchall():
                columns.setdefault((catalog, str(table)), []).append(
                    (str(column).lower(), str(data_type))
                )
        results = []
        for table in names:
            mine, theirs = columns.get(("left_build", table)), columns.get(("right_build", table))
            if theirs is None:
                rows = con.execute(f'select count(*) from left_build."{schema}"."{table}"')
                count = rows.fetchone()
                results.append(
                    TableComparison(
                        table,
                        int(count[0]) if count else 0,
                        -1,
                        column_mismatch="missing from the other build",
                    )
                )
                continue
            if mine != theirs:
                return None
            results.append(_table_difference(con, table, schema, mine or []))
        return results
    finally:
        con.close()


def _table_difference(
    con: duckdb.DuckDBPyConnection, table: str, schema: str, columns: list[tuple[str, str]]
) -> TableComparison:
    select = ", ".join(
        f'round("{name}", {FLOAT_DIGITS})' if data_type in {"DOUBLE", "FLOAT"} else f'"{name}"'
        for name, data_type in columns
    )

    def rows(catalog: str) -> str:
        return f'select {select} from {catalog}."{schema}"."{table}"'

    def count(catalog: str) -> int:
        found = con.execute(f'select count(*) from {catalog}."{schema}"."{table}"').fetchone()
        return int(found[0]) if found else 0

    only_left = con.execute(
        f"select * from ({rows('left_build')} except all {rows('right_build')}) limit {_EXAMPLES}"
    ).fetchall()
    only_right = con.execute(
        f"select * from ({rows('right_build')} except all {rows('left_build')}) limit {_EXAMPLES}"
    ).fetchall()
    return TableComparison(
        table,
        count("left_build"),
        count("right_build"),
        only_in_duckdb=[tuple(r) for r in only_left],
        only_in_spark=[tuple(r) for r in only_right],
    )


def compare_gold(
    database: Path,
    other: SparkSession | Path,
    tables: Iterable[str] | None = None,
    *,
    schema: str = GOLD_SCHEMA,
) -> list[TableComparison]:
    """Compare the tables of a schema (gold by default) of a DuckDB build with another
    build's, row by row (as bags).

    `other` is the Spark session that ran the models, or another DuckDB build (a Spark
    build as `revlake build --engine spark` publishes it, or a full rebuild beside an
    incremental one). A table missing from `other` is reported as a column mismatch.
    """
    names = list(tables) if tables is not None else gold_tables(database, schema)
    if isinstance(other, Path):
        same_types = _compare_in_duckdb(database, other, names, schema)
        if same_types is not None:
            return same_types
    con = duckdb.connect(str(database), read_only=True)
    other_con = duckdb.connect(str(other), read_only=True) if isinstance(other, Path) else None
    try:
        other_tables = set(schema_tables(other_con, schema)) if other_con else None
        results = []
        for table in names:
            duck_columns, duck_rows = _duckdb_table(con, table, schema)
            if other_tables is not None and table not in other_tables:
                results.append(
                    TableComparison(
                        table, len(duck_rows), -1, column_mismatch="missing from the other build"
                    )
                )
                continue
            if other_con is not None:
                spark_columns, spark_rows = _duckdb_table(other_con, table, schema)
            else:
                assert not isinstance(other, Path)
                frame = other.table(f"{schema}.`{table}`")
                spark_columns = [c.lower() for c in frame.columns]
                spark_rows = (
                    [tuple(row) for row in frame.collect()]
                    if (duck_columns == spark_columns)
                    else []
                )
            if duck_columns != spark_columns:
                results.append(
                    TableComparison(
                        table,
                        len(duck_rows),
                        -1,
                        column_mismatch=f"columns differ: {duck_columns} vs {spark_columns}",
                    )
                )
                continue
            duck_bag = _normalized(duck_rows)
            spark_bag = _normalized(spark_rows)
            results.append(
                TableComparison(
                    table,
                    len(duck_rows),
                    len(spark_rows),
                    only_in_duckdb=sorted((duck_bag - spark_bag).elements(), key=repr),
                    only_in_spark=sorted((spark_bag - duck_bag).elements(), key=repr),
                )
            )
        return results
    finally:
        con.close()
        if other_con is not None:
            other_con.close()
