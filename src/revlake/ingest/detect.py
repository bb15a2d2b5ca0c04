"""Typed detection: one format per file and column, chosen over the whole column.

Bronze keeps every value as text; this step decides what each column *means* so that silver
parses it with one recorded format instead of guessing per value. For a staged file:

1. a sample of rows (all rows of a small file; a reservoir sample over the whole file of a
   big one) proposes candidate formats per column (`revlake.ingest.values`);
2. one aggregate query over **every** row of the staged file counts, per column and
   candidate, the values that do not parse, the parsed range, and examples of failures;
3. the candidate with fewest failures wins. When several fit equally and read some value
   differently (`02/03/24`: 3 February or 2 March), the tie is resolved, in this order, by
   the layout's `[formats]` or `date_order`, by other columns of the same file that
   settled the order, by other files of the same source (one system writes one locale),
   by the tenant's or workspace's `date_order` / `decimal_separator` setting, or by earlier
   loads of the same table and column; otherwise the column is reported as ambiguous with
   its sample values and the setting to add.

Dates outside [date_min, date_max] (default 1900-01-01 to 20 years ahead) count as invalid:
they are never passed on silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow.compute as pc

from revlake.ingest.sql import ident, literal
from revlake.ingest.values import (
    BOOL,
    EMPTY,
    ISO,
    ISO_TZ,
    PLAIN_NUMBER,
    TEXT,
    ValueFormat,
    ValueKind,
    format_from_code,
    is_bool_token,
    is_date_hint,
    is_integer,
    number_styles,
    python_number,
    python_temporal,
    shape_of,
    temporal_fits,
    temporal_formats,
)

SAMPLE_CELLS = 2_000_000  # sampled rows × columns (bounds memory for very wide files)
SAMPLE_ROWS_MAX = 20_000
SAMPLE_ROWS_MIN = 200
SPARSE_VALUES = 500  # values fetched for a column the sample saw empty
UNDECLARED_SHARE = 0.95  # share of sample values a format must fit to type an undeclared column
MAX_EXAMPLES = 3
DIRECT_CHECKS = 20  # (column, format) checks per plain aggregate query
COLUMN_BATCH = 500  # columns profiled per scan of a wide file


@dataclass(frozen=True)
class DetectionContext:
    """What resolves ties: the layout's declarations, the settings, earlier loads."""

    declared: Mapping[str, str] = field(default_factory=dict)  # column → declared kind
    forced: Mapping[str, str] = field(default_factory=dict)  # column → format code (layout)
    layout_date_order: str | None = None
    date_order: str | None = None  # from the tenant or workspace settings
    date_order_source: str = ""
    decimal_separator: str | None = None
    decimal_separator_source: str = ""
    prior: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # column → (code, file)
    # The date order other files of the same source settled (one system, one locale):
    # (order, which files), from this run or earlier loads.
    source_date_order: tuple[str, str] | None = None
    date_min: dt.date = dt.date(1900, 1, 1)
    date_max: dt.date = dt.date(2046, 12, 31)


@dataclass(frozen=True)
class ColumnFormat:
    """The detected format of one column of one file."""

    column: str
    kind: ValueKind
    code: str | None  # None: ambiguous or nothing fits a declared kind
    declared: str | None
    non_null: int
    invalid: int = 0
    out_of_range: int = 0
    examples: tuple[str, ...] = ()
    min_value: str | None = None
    max_value: str | None = None
    evidence: str = "values"
    candidates: tuple[str, ...] = ()
    samples: tuple[str, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return self.code is None and len(self.candidates) > 1


@dataclass
class _Column:
    position: str  # c0, c1 … in the staged table
    name: str  # bronze column
    declared: str | None
    histogram: dict[str, int] = field(default_factory=dict)
    non_null: int = 0
    candidates: list[ValueFormat] = field(default_factory=list)
    result: ColumnFormat | None = None


def _declared_kinds(declared: str | None) -> set[ValueKind] | None:
    if declared is None:
        return None
    return {
        "text": {ValueKind.TEXT},
        "date": {ValueKind.DATE, ValueKind.TIMESTAMP},
        "timestamp": {ValueKind.DATE, ValueKind.TIMESTAMP},
        "number": {ValueKind.NUMBER, ValueKind.INTEGER},
        "integer": {ValueKind.INTEGER, ValueKind.NUMBER},
        "boolean": {ValueKind.BOOLEAN},
    }[declared]


def _fits(values: dict[str, int], column: _Column) -> list[tuple[ValueFormat, int]]:
    """Every candidate format with the number of sample values (with repeats) it fits."""
    date_hint = is_date_hint(column.name) or column.declared in ("date", "timestamp")
    counts: dict[ValueFormat, int] = {}
    total = sum(values.values())
    texts = list(values)
    if texts and all(is_bool_token(v) for v in texts) and not set(texts) <= {"0", "1"}:
        counts[ValueFormat(ValueKind.BOOLEAN, BOOL)] = total
    integers = sum(n for v, n in values.items() if is_integer(v))
    if integers:
        counts[ValueFormat(ValueKind.INTEGER, PLAIN_NUMBER)] = integers
    if integers < total:  # whole numbers read alike in every number style
        for style, readings in number_styles(texts):
            fit = sum(n for n, r in zip(values.values(), readings, strict=True) if r is not None)
            if fit:
                counts[ValueFormat(ValueKind.NUMBER, style.code)] = fit
    by_shape: dict[str, int] = {}
    for value, n in values.items():
        shape = shape_of(value)
        by_shape[shape] = by_shape.get(shape, 0) + n
    for shape, n in by_shape.items():
        for fmt in temporal_fits(shape, date_hint):
            counts[fmt] = counts.get(fmt, 0) + n
    return sorted(counts.items(), key=lambda item: -item[1])


_KIND_PREFERENCE = (
    ValueKind.BOOLEAN,
    ValueKind.DATE,
    ValueKind.TIMESTAMP,
    ValueKind.INTEGER,
    ValueKind.NUMBER,
)


def _choose_candidates(column: _Column) -> None:
    """Narrow the sample's fitting formats to the few the whole column must decide."""
    values = column.histogram
    if not values:
        return
    total = sum(values.values())
    fits = _fits(values, column)
    allowed = _declared_kinds(column.declared)
    if allowed is not None:
        fits = [(f, n) for f, n in fits if f.kind in allowed]
        if not fits:
            return
        best = max(n for _, n in fits)
        pool = [f for f, n in fits if n == best]
    else:
        pool = []
        for kind in _KIND_PREFERENCE:
            kinds = (ValueKind.DATE, ValueKind.TIMESTAMP) if kind.is_temporal else (kind,)
            of_kind = [(f, n) for f, n in fits if f.kind in kinds and n >= UNDECLARED_SHARE * total]
            if of_kind:
                best = max(n for _, n in of_kind)
                pool = [f for f, n in of_kind if n == best]
                break
    pool.sort(key=_preference)
    column.candidates = _distinct_readings(pool, list(values))


def _preference(fmt: ValueFormat) -> tuple[int, int]:
    """Among equally fitting formats: ISO first, then the catalogue's order."""
    if fmt.code in (ISO, ISO_TZ):
        return (0, 0)
    catalogue = {f.code: i for i, f in enumerate(temporal_formats())}
    return (1, catalogue.get(fmt.code, -1))


def _reading(fmt: ValueFormat, value: str) -> str | None:
    if fmt.kind.is_temporal:
        return python_temporal(value, fmt)
    if fmt.kind.is_numeric and fmt.code.startswith("num:"):
        from revlake.ingest.values import NumberStyle

        return python_number(value, NumberStyle.parse(fmt.code))
    return value


def _distinct_readings(pool: list[ValueFormat], values: list[str]) -> list[ValueFormat]:
    """Drop formats that read every sample value exactly as a simpler one does."""
    if len(pool) <= 1:
        return pool
    kept: list[ValueFormat] = []
    signatures: list[list[str | None]] = []
    for fmt in pool:
        signature = [_reading(fmt, v) for v in values]
        if signature in signatures:
            continue
        kept.append(fmt)
        signatures.append(signature)
    return kept


def _temporal_sql(fmt: ValueFormat, value: str) -> str:
    return f"cast({fmt.parse_sql(value)} as timestamp)"


def _check_parts(v: str, fmt: ValueFormat, context: DetectionContext) -> list[tuple[str, str]]:
    """(name, aggregate) checking every value `v` against `fmt`: failures, dates out of
    range, the parsed range and two failing examples."""
    present = f"nullif(trim({v}), '') is not null"
    if fmt.kind.is_temporal:
        parsed = _temporal_sql(fmt, v)
        lo = f"timestamp {literal(context.date_min.isoformat())}"
        hi = f"timestamp {literal(context.date_max.isoformat())}"
        out = f"({parsed} < {lo} or {parsed} > {hi})"
        bad = f"{present} and {parsed} is null"
        bad_or_out = f"{present} and ({parsed} is null or {out})"
        return [
            ("bad", f"count({v}) filter (where {bad})"),
            ("range", f"count({v}) filter (where {out})"),
            ("min", f"min({parsed})::varchar"),
            ("max", f"max({parsed})::varchar"),
            ("ex1", f"min({v}) filter (where {bad_or_out})"),
            ("ex2", f"max({v}) filter (where {bad_or_out})"),
        ]
    parsed = f"try_cast({fmt.parse_sql(v)} as double)" if fmt.kind.is_numeric else fmt.parse_sql(v)
    bad = f"{present} and {parsed} is null"
    return [
        ("bad", f"count({v}) filter (where {bad})"),
        ("range", "0"),
        ("min", f"min({parsed})::varchar"),
        ("max", f"max({parsed})::varchar"),
        ("ex1", f"min({v}) filter (where {bad})"),
        ("ex2", f"max({v}) filter (where {bad})"),
    ]


def _disagreement_sql(a: ValueFormat, b: ValueFormat, v: str) -> str:
    if a.kind.is_temporal:
        pa, pb = _temporal_sql(a, v), _temporal_sql(b, v)
    else:
        pa, pb = a.parse_sql(v), b.parse_sql(v)
    return f"count(*) filter (where {pa} is not null and {pb} is not null and {pa} <> {pb})"


class Detector:
    """Detects the format of every column of one staged file (a DuckDB relation)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        source_sql: str,
        columns: Sequence[str],
        context: DetectionContext,
        *,
        temp_prefix: str,
    ) -> None:
        self.con = con
        self.source_sql = source_sql
        self.context = context
        self.temp_prefix = temp_prefix
        self.columns = [
            _Column(f"c{i}", name, context.declared.get(name)) for i, name in enumerate(columns)
        ]

    def run(self) -> list[ColumnFormat]:
        if not self.columns:
            return []
        for start in range(0, len(self.columns), COLUMN_BATCH):
            # a wide file is profiled a few hundred columns at a time: every scan holds a
            # chunk of each column it reads, so memory stays flat whatever the width
            batch = self.columns[start : start + COLUMN_BATCH]
            rows = self._count_non_null(batch)
            sample = self._sample(rows, batch)
            try:
                self._histograms(sample, batch)
            finally:
                if sample != self.source_sql:
                    self.con.execute(f"DROP TABLE IF EXISTS temp.{ident(self.temp_prefix + '_s')}")
            self._sparse_values(batch)
        for column in self.columns:
            forced = self.context.forced.get(column.name)
            if forced is not None:
                column.candidates = [format_from_code(forced)]
            else:
                _choose_candidates(column)
        self._verify()
        self._resolve_within_file()
        return [self._final(c) for c in self.columns]

    # --- the queries -------------------------------------------------------------------

    def _count_non_null(self, batch: list[_Column]) -> int:
        exprs = ", ".join(f"count({c.position})" for c in batch)
        [row] = self.con.execute(f"SELECT count(*), {exprs} FROM ({self.source_sql})").fetchall()
        for column, count in zip(batch, row[1:], strict=True):
            column.non_null = int(count)
        return int(row[0])

    def _sample(self, rows: int, batch: list[_Column]) -> str:
        size = max(SAMPLE_ROWS_MIN, min(SAMPLE_ROWS_MAX, SAMPLE_CELLS // len(self.columns)))
        if rows <= size:
            return self.source_sql
        name = self.temp_prefix + "_s"
        positions = ", ".join(c.position for c in batch)
        self.con.execute(
            f"CREATE TEMP TABLE {ident(name)} AS SELECT {positions} FROM ({self.source_sql}) "
            f"USING SAMPLE reservoir({size} ROWS) REPEATABLE (17)"
        )
        return f"SELECT * FROM temp.{ident(name)}"

    def _histograms(self, sample_sql: str, batch: list[_Column]) -> None:
        """Counts of each distinct trimmed value per column, over the sample (Arrow).

        Done in Arrow rather than with DuckDB's `histogram` aggregate, whose cost grows
        with the square of the number of aggregates in one query (wide files).
        """
        wanted = [c for c in batch if c.non_null]
        if not wanted:
            return
        positions = ", ".join(c.position for c in wanted)
        table = self.con.sql(f"SELECT {positions} FROM ({sample_sql})").to_arrow_table()
        for column in wanted:
            trimmed = pc.utf8_trim_whitespace(table.column(column.position))
            counts = pc.value_counts(trimmed)
            values = counts.field("values").to_pylist()
            numbers = counts.field("counts").to_pylist()
            column.histogram = {str(v): int(n) for v, n in zip(values, numbers, strict=True) if v}

    def _sparse_values(self, batch: list[_Column]) -> None:
        sparse = [c for c in batch if c.non_null and not c.histogram]
        for start in range(0, len(sparse), 100):
            chunk = sparse[start : start + 100]
            parts = [
                f"(SELECT {i} AS i, trim({c.position}) AS v FROM ({self.source_sql}) "
                f"WHERE nullif(trim({c.position}), '') IS NOT NULL LIMIT {SPARSE_VALUES})"
                for i, c in enumerate(chunk)
            ]
            for i, value in self.con.execute(" UNION ALL ".join(parts)).fetchall():
                histogram = chunk[int(i)].histogram
                histogram[str(value)] = histogram.get(str(value), 0) + 1

    def _verify(self) -> None:
        """Check every candidate over every row of the staged file.

        Columns sharing a candidate format are checked together: few of them as plain
        aggregates (one scan), many of them (wide files) by unpivoting them into one
        value column grouped by column, because DuckDB's cost per query grows with the
        square of the number of aggregates in it.
        """
        checked = [c for c in self.columns if c.candidates]
        self._checks: dict[str, Any] = {}
        by_code: dict[str, list[tuple[_Column, int, ValueFormat]]] = {}
        for column in checked:
            for index, fmt in enumerate(column.candidates):
                by_code.setdefault(fmt.code, []).append((column, index, fmt))
        direct: list[tuple[_Column, int, ValueFormat]] = []
        for group in by_code.values():
            if len(group) > DIRECT_CHECKS:
                self._verify_unpivoted(group)
            else:
                direct.extend(group)
        for start in range(0, len(direct), DIRECT_CHECKS):
            exprs = [
                f"{expr} as {column.position}_{index}_{name}"
                for column, index, fmt in direct[start : start + DIRECT_CHECKS]
                for name, expr in _check_parts(column.position, fmt, self.context)
            ]
            result = self.con.execute(f"SELECT {', '.join(exprs)} FROM ({self.source_sql})")
            names = [d[0] for d in result.description or ()]
            [row] = result.fetchall()
            self._checks.update(zip(names, row, strict=True))
        for column in checked:
            self._settle(column)

    def _verify_unpivoted(self, group: list[tuple[_Column, int, ValueFormat]]) -> None:
        fmt = group[0][2]
        parts = _check_parts("v", fmt, self.context)
        index_of = {column.position: index for column, index, _ in group}
        for start in range(0, len(group), COLUMN_BATCH):
            chunk = group[start : start + COLUMN_BATCH]
            positions = ", ".join(column.position for column, _, _ in chunk)
            aggregates = ", ".join(f"{expr} as {name}" for name, expr in parts)
            rows = self.con.execute(
                f"SELECT col, {aggregates} FROM (UNPIVOT (SELECT {positions} "
                f"FROM ({self.source_sql})) ON COLUMNS(*) INTO NAME col VALUE v) GROUP BY col"
            ).fetchall()
            for position, *values in rows:
                tag = f"{position}_{index_of[str(position)]}"
                for (name, _), value in zip(parts, values, strict=True):
                    self._checks[f"{tag}_{name}"] = value

    def _stats(
        self, column: _Column, index: int
    ) -> tuple[int, int, str | None, str | None, list[str]]:
        tag = f"{column.position}_{index}"
        return (
            int(self._checks[f"{tag}_bad"]),
            int(self._checks[f"{tag}_range"]),
            self._checks[f"{tag}_min"],
            self._checks[f"{tag}_max"],
            list(
                dict.fromkeys(
                    str(e)
                    for e in (self._checks[f"{tag}_ex1"], self._checks[f"{tag}_ex2"])
                    if e is not None
                )
            ),
        )

    def _settle(self, column: _Column) -> None:
        scored = [
            (self._stats(column, i)[0] + self._stats(column, i)[1], i)
            for i in range(len(column.candidates))
        ]
        least = min(score for score, _ in scored)
        tied = [i for score, i in scored if score == least]
        if len(tied) > 1:
            tied = self._drop_equivalent(column, tied)
        if len(tied) == 1:
            column.result = self._result(column, tied[0], evidence="values")
            return
        column.candidates = [column.candidates[i] for i in tied]
        column.result = None  # resolved later (file evidence, settings, earlier loads)

    def _drop_equivalent(self, column: _Column, tied: list[int]) -> list[int]:
        """Tied formats that never read one value two ways collapse to the preferred one.

        Either they read every value alike (`1234` in any number style), or each parses
        values the other cannot (a column mixing `2025-01-20` and `31/01/2025`): then the
        preferred format wins and the other values are counted invalid and flagged.
        Only formats that read the same value differently (`02/03/24`) stay tied.
        """
        kept = [tied[0]]
        for index in tied[1:]:
            same = False
            for other in kept:
                a, b = column.candidates[other], column.candidates[index]
                sql = _disagreement_sql(a, b, column.position)
                [row] = self.con.execute(f"SELECT {sql} FROM ({self.source_sql})").fetchall()
                if int(row[0]) == 0:
                    same = True
                    break
            if not same:
                kept.append(index)
        return kept

    def _result(self, column: _Column, index: int, *, evidence: str) -> ColumnFormat:
        fmt = column.candidates[index]
        bad, out_of_range, low, high, examples = self._stats(column, index)
        kind = fmt.kind
        if kind is ValueKind.INTEGER and fmt.code != PLAIN_NUMBER:
            kind = ValueKind.NUMBER
        return ColumnFormat(
            column=column.name,
            kind=kind,
            code=fmt.code,
            declared=column.declared,
            non_null=column.non_null,
            invalid=bad + out_of_range,
            out_of_range=out_of_range,
            examples=tuple(str(e) for e in examples),
            min_value=low,
            max_value=high,
            evidence=evidence,
            samples=self._samples(column),
        )

    def _samples(self, column: _Column) -> tuple[str, ...]:
        ranked = sorted(column.histogram.items(), key=lambda item: (-item[1], item[0]))
        return tuple(value for value, _ in ranked[:5])

    # --- ties -----------------------------------------------------------------------------

    def _resolve_within_file(self) -> None:
        """Settle ambiguous columns by evidence, in the documented order."""
        settled_orders = settled_date_orders(c.result for c in self.columns if c.result)
        settled_decimals = {
            c.result.code.split(":")[1]
            for c in self.columns
            if c.result is not None
            and c.result.evidence == "values"
            and c.result.code
            and c.result.code.startswith("num:")
            and c.result.code != PLAIN_NUMBER
        }
        for column in self.columns:
            if column.result is not None or not column.candidates:
                continue
            column.result = self._resolve(column, settled_orders, settled_decimals)

    def _resolve(self, column: _Column, orders: set[str], decimals: set[str]) -> ColumnFormat:
        candidates = column.candidates
        temporal = all(c.kind.is_temporal for c in candidates)
        context = self.context
        attempts: list[tuple[str, str]] = []
        if temporal:
            if context.layout_date_order:
                attempts.append((context.layout_date_order, "the layout's date_order"))
            if len(orders) == 1:
                order = next(iter(orders))
                attempts.append((order, "other date columns of the same file"))
            if context.source_date_order:
                attempts.append(context.source_date_order)
            if context.date_order:
                attempts.append(
                    (
                        context.date_order,
                        f"setting date_order = {context.date_order!r} "
                        f"({context.date_order_source})",
                    )
                )
            for order, evidence in attempts:
                chosen = [i for i, c in enumerate(candidates) if c.order == order]
                if len(chosen) == 1:
                    return self._result(column, chosen[0], evidence=evidence)
        else:
            options: list[tuple[str | None, str]] = []
            if len(decimals) == 1:
                options.append((next(iter(decimals)), "other number columns of the same file"))
            if context.decimal_separator:
                options.append(
                    (
                        context.decimal_separator,
                        f"setting decimal_separator = "
                        f"{context.decimal_separator!r} ({context.decimal_separator_source})",
                    )
                )
            for decimal, evidence in options:
                chosen = [
                    i
                    for i, c in enumerate(candidates)
                    if c.code.startswith("num:") and c.code.split(":")[1] == decimal
                ]
                if len(chosen) == 1:
                    return self._result(column, chosen[0], evidence=evidence)
        prior = context.prior.get(column.name)
        if prior is not None:
            code, source = prior
            chosen = [i for i, c in enumerate(candidates) if c.code == code]
            if len(chosen) == 1:
                return self._result(column, chosen[0], evidence=f"earlier load of {source}")
        first = self._result(column, 0, evidence="ambiguous")
        return ColumnFormat(
            column=column.name,
            kind=first.kind,
            code=None,
            declared=column.declared,
            non_null=column.non_null,
            evidence="ambiguous",
            candidates=tuple(c.code for c in candidates),
            samples=self._samples(column),
        )

    def _final(self, column: _Column) -> ColumnFormat:
        if column.result is not None:
            return column.result
        if not column.non_null:
            return ColumnFormat(column.name, ValueKind.EMPTY, EMPTY, column.declared, 0)
        if column.declared is not None and column.declared != "text":
            return ColumnFormat(
                column=column.name,
                kind=ValueKind.TEXT,
                code=None,
                declared=column.declared,
                non_null=column.non_null,
                invalid=column.non_null,
                examples=self._samples(column)[:MAX_EXAMPLES],
                evidence=f"no {column.declared} format fits its values",
                samples=self._samples(column),
            )
        return ColumnFormat(
            column.name,
            ValueKind.TEXT,
            TEXT,
            column.declared,
            column.non_null,
            samples=self._samples(column),
        )


def settled_date_orders(formats: Iterable[ColumnFormat]) -> set[str]:
    """The day/month orders (MDY, DMY, YMD) that columns' own values settled.

    Only columns whose values alone decided a non-ISO date format count: they are evidence
    for ambiguous columns written by the same system.
    """
    orders: set[str] = set()
    for found in formats:
        code = found.code
        if (
            found.evidence == "values"
            and found.kind.is_temporal
            and code
            and "%" in code
            and code != "%Y%m%d"
        ):
            order = format_from_code(code).order
            if order:
                orders.add(order)
    return orders


def detect_formats(
    con: duckdb.DuckDBPyConnection,
    source_sql: str,
    columns: Sequence[str],
    context: DetectionContext,
    *,
    temp_prefix: str,
) -> list[ColumnFormat]:
    """The format of each column of a staged file (`c0 …` in `source_sql`, named `columns`)."""
    return Detector(con, source_sql, columns, context, temp_prefix=temp_prefix).run()
