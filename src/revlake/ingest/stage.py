"""Stage one landing file in DuckDB: every source column as text, rows numbered, rejects kept.

Each reader returns a `Staged`: a SELECT yielding `c0 … cN` (the file's columns by
position, VARCHAR), `_rn` (1-based data row number) and `_ln` (physical line number,
where the format has lines), plus the rows that could not be read. DuckDB does the
parsing (read_csv with `store_rejects`, JSON functions, read_parquet); Python only walks
the rejects. For CSV the accepted rows are staged in a temp table whose rowid is the file
order (DuckDB preserves insertion order), and row numbers are rebuilt around the rejected
rows with one ASOF join, so the fast path costs no window over the data.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from revlake.errors import InputError
from revlake.ingest.csv_dialect import CsvDialect
from revlake.ingest.sql import ident, literal

MAX_LINE_SIZE = 64 * 1024 * 1024
# From this many columns a file is read and written by one DuckDB thread: each thread
# holds a 2,048-row chunk of every column (5,000 text columns ≈ 160 MiB a chunk), so
# parallelism would multiply memory while buying nothing on a file with so few rows.
WIDE_COLUMNS = 500


@contextmanager
def one_thread_when_wide(con: duckdb.DuckDBPyConnection, columns: int) -> Iterator[None]:
    """Run the block with `SET threads = 1` when the file has WIDE_COLUMNS or more."""
    if columns < WIDE_COLUMNS:
        yield
        return
    [(threads,)] = con.execute("SELECT current_setting('threads')").fetchall()
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        con.execute(f"SET threads = {int(threads)}")


@dataclass
class Staged:
    """A staged file: SQL that yields its rows, and SQL that yields its rejects.

    `rejects_sql` yields `rn` (data row number), `ln` (physical line), `raw`, `reason`.
    """

    headers: tuple[str, ...]
    source_sql: str
    rejects_sql: str
    rejected: int
    temp_tables: list[str] = field(default_factory=list)


def drop_temp_tables(con: duckdb.DuckDBPyConnection, tables: Sequence[str]) -> None:
    for table in tables:
        con.execute(f"DROP TABLE IF EXISTS temp.{ident(table)}")


def _columns_spec(count: int) -> str:
    return "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(count)) + "}"


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(f"SELECT count(*) FROM ({sql})").fetchone()
    return int(row[0]) if row else 0


def _physical_lines(path: Path, positions: Sequence[int]) -> list[int]:
    """1-based line number of each (sorted, distinct) byte position, in one pass."""
    lines: list[int] = []
    line, offset, index = 1, 0, 0
    with path.open("rb") as handle:
        while index < len(positions):
            chunk = handle.read(1 << 20)
            if not chunk:
                break
            end = offset + len(chunk)
            cursor = 0
            while index < len(positions) and positions[index] < end:
                target = positions[index] - offset
                line += chunk.count(b"\n", cursor, target)
                cursor = target
                lines.append(line)
                index += 1
            line += chunk.count(b"\n", cursor)
            offset = end
    lines.extend(line for _ in positions[index:])
    return lines


def _raw_line(path: Path, position: int) -> str:
    """The raw bytes of the line holding `position`, shown with undecodable bytes escaped."""
    with path.open("rb") as handle:
        start = max(0, position - 4096)
        handle.seek(start)
        before = handle.read(position - start)
        start += before.rfind(b"\n") + 1
        handle.seek(start)
        data = handle.read(64 * 1024).split(b"\n", 1)[0].rstrip(b"\r")
    return data.decode("utf-8", errors="backslashreplace")


def _update_from(
    con: duckdb.DuckDBPyConnection, table: str, key: str, column: str, pairs: dict[int, Any]
) -> None:
    """UPDATE table SET column = value WHERE key = k, for many (k, value) pairs at once."""
    if not pairs:
        return
    values = pa.table({"k": list(pairs), "v": list(pairs.values())})
    con.register("_ingest_pairs", values)
    try:
        con.execute(
            f"UPDATE temp.{ident(table)} SET {column} = p.v FROM _ingest_pairs p "
            f"WHERE temp.{ident(table)}.{key} = p.k"
        )
    finally:
        con.unregister("_ingest_pairs")


RAW_TEXT_FIXES = 10_000  # rows with undecodable bytes whose raw bytes are re-read from disk


def _reject_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rejects_table: str,
    path: Path,
    header_lines: int,
) -> int:
    """Group DuckDB's reject_errors by record into `table` (rn, ln, pos, raw, reason, enc).

    DuckDB's `line` counts records (and blank lines), which is the physical line unless
    an earlier value spans lines; `ln` starts as that and `physical_reject_lines` fixes it.
    """
    con.execute(
        f"""CREATE TEMP TABLE {ident(table)} AS
        SELECT line::BIGINT - {header_lines} AS rn, line::BIGINT AS ln,
               min(line_byte_position)::BIGINT AS pos,
               first(csv_line ORDER BY column_idx) AS raw,
               string_agg(lower(error_type::VARCHAR) || ': ' || error_message, '; '
                          ORDER BY column_idx) AS reason,
               bool_or(error_type = 'INVALID ENCODING') AS enc
        FROM temp.{ident(rejects_table)} GROUP BY line"""
    )
    rejected = _count(con, f"SELECT 1 FROM temp.{ident(table)}")
    if rejected:
        # DuckDB shows undecodable bytes as '?'; show the real bytes escaped instead.
        rows = con.execute(
            f"SELECT pos FROM temp.{ident(table)} WHERE enc AND pos IS NOT NULL "
            f"ORDER BY pos LIMIT {RAW_TEXT_FIXES}"
        ).fetchall()
        fixes = {int(pos): _raw_line(path, int(pos)) for (pos,) in rows}
        _update_from(con, table, "pos", "raw", fixes)
    return rejected


def _physical_reject_lines(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    """Set each reject's `ln` from its byte position (needed when values span lines)."""
    rows = con.execute(
        f"SELECT DISTINCT pos FROM temp.{ident(table)} WHERE pos IS NOT NULL ORDER BY pos"
    ).fetchall()
    positions = [int(r[0]) for r in rows]
    lines = _physical_lines(path, positions)
    _update_from(con, table, "pos", "ln", dict(zip(positions, lines, strict=True)))


def _offsets_table(con: duckdb.DuckDBPyConnection, name: str, rejects: str) -> None:
    """Table (a, n): `n` rejected rows lie before the accepted row whose 1-based rank > `a`."""
    con.execute(
        f"""CREATE TEMP TABLE {ident(name)} AS
        SELECT a, max(n) AS n FROM (
          SELECT rn - row_number() OVER (ORDER BY rn) AS a, row_number() OVER (ORDER BY rn) AS n
          FROM temp.{ident(rejects)} WHERE rn IS NOT NULL)
        GROUP BY a"""
    )


def _numbered(raw: str, offsets: str | None) -> str:
    """SELECT over a staged table adding `_rn` from its rowid and the rejects' offsets."""
    if offsets is None:
        return f"SELECT *, rowid + 1 AS _rn FROM temp.{ident(raw)}"
    return (
        f"SELECT s.* EXCLUDE (_k), s._k + coalesce(o.n, 0) AS _rn "
        f"FROM (SELECT rowid + 1 AS _k, * FROM temp.{ident(raw)}) s "
        f"ASOF LEFT JOIN temp.{ident(offsets)} o ON s._k > o.a"
    )


def _newlines_expr(columns: Sequence[str]) -> str:
    parts = [f"coalesce(length({c}) - length(replace({c}, chr(10), '')), 0)" for c in columns]
    return " + ".join(parts) if parts else "0"


def stage_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    dialect: CsvDialect,
    prefix: str,
    *,
    has_quotes: bool,
    with_lines: bool = True,
) -> Staged:
    """Stage a UTF-8 delimited file with DuckDB's reader; bad rows go to the rejects."""
    count = len(dialect.headers)
    raw, errors, scans, offsets, rejects = (
        f"{prefix}_{s}" for s in ("raw", "err", "scan", "off", "rej")
    )
    temp = [raw, errors, scans, rejects]
    with one_thread_when_wide(con, count):
        con.execute(
            f"""CREATE TEMP TABLE {ident(raw)} AS SELECT * FROM read_csv({literal(str(path))},
                delim={literal(dialect.delimiter)}, quote='"', escape='"', header=true,
                auto_detect=false, columns={_columns_spec(count)}, store_rejects=true,
                rejects_table={literal(errors)}, rejects_scan={literal(scans)},
                max_line_size={MAX_LINE_SIZE})"""
        )
    rejected = _reject_rows(con, rejects, errors, path, header_lines=1)
    rejects_sql = f"SELECT rn, ln, raw, reason FROM temp.{ident(rejects)}"
    offsets_name: str | None = None
    if rejected:
        _offsets_table(con, offsets, rejects)
        offsets_name = offsets
        temp.append(offsets)
    numbered = _numbered(raw, offsets_name)
    columns = [f"c{i}" for i in range(count)]
    if not with_lines:
        source = f"SELECT *, NULL::BIGINT AS _ln FROM ({numbered})"
        return Staged(dialect.headers, source, rejects_sql, rejected, temp)
    multiline = has_quotes and bool(
        _count(con, f"SELECT 1 FROM temp.{ident(rejects)} WHERE contains(raw, chr(10))")
        or (
            count
            and _count(
                con,
                f"SELECT 1 FROM temp.{ident(raw)} WHERE "
                + " OR ".join(f"contains(c{i}, chr(10))" for i in range(count)),
            )
        )
    )
    if not multiline:
        source = f"SELECT *, _rn + 1 AS _ln FROM ({numbered})"
        return Staged(dialect.headers, source, rejects_sql, rejected, temp)
    # Values span lines: a record's line is 1 + header + all earlier records' extra lines.
    _physical_reject_lines(con, rejects, path)
    lines = f"{prefix}_lines"
    temp.append(lines)
    con.execute(
        f"""CREATE TEMP TABLE {ident(lines)} AS
        SELECT rn, rn + 1 + coalesce(sum(nl) OVER (ORDER BY rn ROWS BETWEEN UNBOUNDED PRECEDING
               AND 1 PRECEDING), 0) AS ln
        FROM (SELECT rn, {_newlines_expr(["raw"])} AS nl FROM temp.{ident(rejects)}
              UNION ALL SELECT _rn, {_newlines_expr(columns)} FROM ({numbered}))"""
    )
    source = (
        f"SELECT n.*, l.ln AS _ln FROM ({numbered}) n JOIN temp.{ident(lines)} l ON l.rn = n._rn"
    )
    return Staged(dialect.headers, source, rejects_sql, rejected, temp)


def stage_jsonl(con: duckdb.DuckDBPyConnection, path: Path, prefix: str) -> Staged:
    """Stage JSON lines: each non-blank line must be a JSON object; keys become columns.

    Row number and line number are both the physical line (blank lines are not rows).
    """
    raw, errors, scans, offsets, parsed, rejects = (
        f"{prefix}_{s}" for s in ("raw", "err", "scan", "off", "json", "rej")
    )
    temp = [raw, errors, scans, parsed, rejects]
    with path.open("rb") as handle:
        newline = "\\r\\n" if b"\r\n" in handle.read(1 << 16) else "\\n"
    con.execute(
        f"""CREATE TEMP TABLE {ident(raw)} AS SELECT * FROM read_csv({literal(str(path))},
            header=false, auto_detect=false, delim=chr(31), quote='', escape='',
            new_line={literal(newline)}, strict_mode=false, columns={{'c0': 'VARCHAR'}},
            store_rejects=true, rejects_table={literal(errors)}, rejects_scan={literal(scans)},
            max_line_size={MAX_LINE_SIZE})"""
    )
    offsets_name = None
    if _reject_rows(con, rejects, errors, path, header_lines=0):
        _offsets_table(con, offsets, rejects)
        offsets_name = offsets
        temp.append(offsets)
    con.execute(
        f"""CREATE TEMP TABLE {ident(parsed)} AS
        SELECT _rn AS _ln, j,
               CASE WHEN json_valid(j) THEN json_type(j) = 'OBJECT' ELSE false END AS ok
        FROM (SELECT _rn, rtrim(c0, chr(13)) AS j FROM ({_numbered(raw, offsets_name)}))
        WHERE j IS NOT NULL AND trim(j) <> ''"""
    )
    con.execute(
        f"""INSERT INTO temp.{ident(rejects)} (rn, ln, raw, reason)
        SELECT _ln, _ln, j, CASE WHEN json_valid(j) THEN 'not a JSON object'
                                 ELSE 'invalid JSON' END
        FROM temp.{ident(parsed)} WHERE NOT ok"""
    )
    rejected = _count(con, f"SELECT 1 FROM temp.{ident(rejects)}")
    keys = [
        str(k)
        for (k,) in con.execute(
            f"""SELECT k FROM (
                  SELECT unnest(keys) AS k, _ln, generate_subscripts(keys, 1) AS i
                  FROM (SELECT _ln, CASE WHEN ok THEN json_keys(j) END AS keys
                        FROM temp.{ident(parsed)} WHERE ok))
                GROUP BY k ORDER BY min(_ln * 1000000 + i), k"""
        ).fetchall()
    ]
    selects = [
        f"json_extract_string(j, {literal(chr(36) + '.' + _json_key(k))}) AS c{i}"
        for i, k in enumerate(keys)
    ]
    select_list = ", ".join([*selects, "_ln AS _rn", "_ln"])
    source = f"SELECT {select_list} FROM temp.{ident(parsed)} WHERE ok"
    rejects_sql = f"SELECT rn, ln, raw, reason FROM temp.{ident(rejects)}"
    return Staged(tuple(keys), source, rejects_sql, rejected, temp)


def _json_key(key: str) -> str:
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parquet_headers(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[str, ...]:
    rows = con.execute(f"DESCRIBE SELECT * FROM read_parquet({literal(str(path))})").fetchall()
    return tuple(str(r[0]) for r in rows)


def stage_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> Staged:
    """Parquet: typed columns cast to text; the row number is the file's own row index."""
    headers = parquet_headers(con, path)
    casts = [f"CAST({ident(h)} AS VARCHAR) AS c{i}" for i, h in enumerate(headers)]
    select_list = ", ".join([*casts, "file_row_number + 1 AS _rn", "NULL::BIGINT AS _ln"])
    source = f"SELECT {select_list} FROM read_parquet({literal(str(path))}, file_row_number=true)"
    no_rejects = "SELECT NULL::BIGINT AS rn, NULL::BIGINT AS ln, NULL AS raw, NULL AS reason"
    return Staged(headers, source, f"{no_rejects} WHERE false", 0, [])


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


class ExpansionLimitError(InputError):
    """A file expands to more cells than the configured limits allow."""


@dataclass(frozen=True)
class CellLimit:
    """How many cells one xlsx/JSON file may expand to: absolute and per KiB on disk."""

    max_cells: int
    max_cells_per_kib: int
    file_bytes: int
    setting_hint: str = "ingest_max_cells / ingest_max_cells_per_kib in revlake.toml"

    @property
    def allowed(self) -> int:
        by_size = self.max_cells_per_kib * max(1, self.file_bytes // 1024)
        return min(self.max_cells, by_size)

    def check(self, cells: int, display_name: str, what: str) -> None:
        if cells > self.allowed:
            raise ExpansionLimitError(
                f"{display_name}: {what} expands to more than {self.allowed:,} cells "
                f"(limit: {self.max_cells:,} cells and {self.max_cells_per_kib:,} cells per "
                f"KiB of file, {self.file_bytes / 1024:,.0f} KiB here); stopped reading. "
                f"Raise {self.setting_hint} if the file is genuine."
            )


def _xlsx_rows(
    path: Path, limit: CellLimit | None = None, display_name: str = ""
) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        width: int | None = None
        cells = 0
        for row in sheet.iter_rows(values_only=True):
            cells += max(len(row), width or 1)  # an empty row still costs its width
            if limit is not None and cells > limit.allowed:
                limit.check(cells, display_name or path.name, "its first worksheet")
            values = [_cell_text(v) for v in row]
            if not any(values):
                continue
            if width is None:
                while values and not values[-1]:
                    values.pop()
                width = len(values)
            elif len(values) > width and not any(values[width:]):
                values = values[:width]
            yield values
    finally:
        workbook.close()


def xlsx_to_csv(
    path: Path, target: Path, *, limit: CellLimit | None = None, display_name: str = ""
) -> None:
    """Write the first worksheet of an XLSX file as UTF-8 CSV (streaming, read-only mode).

    Empty rows are skipped; numbers that are whole print without `.0`; dates as ISO text.
    Every row read counts towards `limit` (empty ones too: a sheet declaring a million
    blank rows is the classic expansion bomb), and reading stops as soon as it is passed.
    """
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for cells in _xlsx_rows(path, limit, display_name):
            writer.writerow(cells)
