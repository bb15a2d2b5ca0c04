"""Tax discrepancies decided per group of lines instead of per line (issue 17): the same
answer as `revlake.queries.tax_lines.checked_per_line`, without running the engine on
every one of the million lines of a 100k-customer company.

Why the answer is the same. The engine (`compute_line_tax`) decides a line from the
customer's country and tax id and the line's currency; the date enters only through the
rate row it looks up (`RateTable.rate(jurisdiction, date)`), and the net only through the
tax, round(net × rate / 100) to the currency's minor unit, half away from zero. So:

1. each distinct (country, tax id, currency) of gold.fct_tax_lines is decided once by
   the engine, on a rate table that records which jurisdiction the engine looked up;
2. a group that looked a jurisdiction up is decided again once per period in which that
   jurisdiction's rate row does not change (cut wherever one of its rows starts or ends;
   in a period no row covers, the lookup fails on every date, so every line is kept);
3. the decisions (an error or an invalid VAT number, the reverse charge, the rate) are
   joined back to the lines in DuckDB, which keeps every line the engine could find a
   reason on: the group has an error or an invalid VAT number, the reverse charge
   differs, or the charged tax differs from the expected one, rounded half away from
   zero in exact DECIMALs (`_EXPECTED_UNITS`);
4. only those lines are converted to Python, and each is listed by the per-line check's
   own code (`line_discrepancy`) with its group's result for its net
   (`TaxResult.for_net`); a line whose group failed on a rate lookup (the error names
   the date) goes through `find_discrepancies` itself.

Step 3 may keep a line that step 4 then finds in order; it must never miss one: the tests
compare both paths on edge cases (tests/finance/test_tax_check.py).
When the build's columns are not the types this relies on, a rate has more than
`RATE_SCALE_MAX` decimals, a currency more than 4, or the engine looks anything up but
one jurisdiction, `grouped_discrepancies` answers None and the caller checks per line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa

from revlake.errors import InputError
from revlake.finance.money import Money, minor_digits
from revlake.finance.tax import (
    Discrepancy,
    RateTable,
    TaxLine,
    TaxProfile,
    TaxRate,
    TaxResult,
    compute_line_tax,
    error_discrepancy,
    find_discrepancies,
    line_discrepancy,
)
from revlake.queries.tax_lines import (
    LINE_COLUMNS,
    LINE_ORDER,
    LINES_HINT,
    LINES_PER_FETCH,
    LINES_TABLE,
    charged_line,
    currency_of,
)
from revlake.reader import Build
from revlake.reader.tables import GOLD

RATE_SCALE_MAX = 9
"""Most decimals of a rate the SQL handles exactly (DECIMAL(38) leaves room for this)."""
_MINOR_DIGITS_MAX = 4
_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")
_TYPES = {
    "invoice_date": "DATE",
    "customer_country_code": "VARCHAR",
    "customer_tax_id": "VARCHAR",
    "currency": "VARCHAR",
    "is_reverse_charge": "BOOLEAN",
}
_ONE_DAY = dt.timedelta(days=1)
_GROUP_JOIN = (
    "l.customer_country_code is not distinct from g.g_country "
    "and l.customer_tax_id is not distinct from g.g_tax_id "
    "and l.currency is not distinct from g.g_currency"
)
_PERIOD_JOIN = "p.p_code = g.g_code and l.invoice_date between p.p_from and p.p_to"
_EXPECTED_UNITS = "sign(x) * floor(abs(x) * units + 0.5)"
"""The expected tax in minor units: x = net × rate / 100 rounded half away from zero."""


@dataclass(frozen=True)
class _RecordingTable(RateTable):
    """The rate table, recording the jurisdictions the engine looks up in it."""

    lookups: list[str] = field(default_factory=list, compare=False, repr=False)

    def rate(self, jurisdiction: str, day: dt.date) -> TaxRate:
        self.lookups.append(jurisdiction)
        return super().rate(jurisdiction, day)


@dataclass(frozen=True, slots=True)
class _Decision:
    """What the engine decided for a group of lines, as far as the SQL filter needs."""

    flagged: bool  # an InputError or an invalid VAT number: every line of it is listed
    reverse_charge: bool
    rate: Decimal
    lookups: tuple[str, ...]
    result: TaxResult | None  # for a zero net; None on an InputError
    error: str | None  # the InputError's text


class _Unsupported(Exception):
    """The build or the rates are outside what the grouped check handles exactly."""


def _decide(
    profile: TaxProfile,
    recorder: _RecordingTable,
    country: Any,
    tax_id: Any,
    currency: str,
    day: dt.date,
) -> _Decision:
    """The engine's answer for a line of these inputs on `day` (any net: a zero)."""
    recorder.lookups.clear()
    line = TaxLine(
        customer_country=str(country or ""),
        tax_date=day,
        net=Money.zero(currency),
        vat_number=tax_id,
    )
    try:
        result = compute_line_tax(profile, recorder, line, strict=False)
    except InputError as exc:
        return _Decision(True, False, Decimal(0), tuple(recorder.lookups), None, str(exc))
    invalid = result.vat_check is not None and not result.vat_check.valid
    lookups = tuple(recorder.lookups)
    return _Decision(invalid, result.reverse_charge, result.rate, lookups, result, None)


def _periods(table: RateTable, code: str) -> list[tuple[dt.date, dt.date]]:
    """(first day, last day) of the periods over which `table.rate(code, day)` gives one
    row (or fails on every day): cut where a row of the jurisdiction starts or ends."""
    try:
        rows = table.rows(table.require(code))
    except InputError:
        return [(dt.date.min, dt.date.max)]
    cuts = {r.valid_from for r in rows} | {
        r.valid_to + _ONE_DAY for r in rows if r.valid_to is not None and r.valid_to < dt.date.max
    }
    starts = sorted(cuts | {dt.date.min})
    ends = [start - _ONE_DAY for start in starts[1:]] + [dt.date.max]
    return list(zip(starts, ends, strict=True))


def _amount_scales(cursor: duckdb.DuckDBPyConnection) -> tuple[int, int] | None:
    """The scales of net_amount and tax_amount; None when a column is not of the type
    the check relies on (DECIMALs of at most 18 digits, DATE, VARCHAR keys, BOOLEAN)."""
    found = dict(
        cursor.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ?",
            [GOLD, LINES_TABLE],
        ).fetchall()
    )
    if any(found.get(name) != kind for name, kind in _TYPES.items()):
        return None
    scales = []
    for name in ("net_amount", "tax_amount"):
        match = _DECIMAL.match(str(found.get(name, "")))
        if match is None or int(match.group(1)) > 18:
            return None
        scales.append(int(match.group(2)))
    return scales[0], scales[1]


def _rate_scale(rates: Sequence[Decimal]) -> int:
    exponents = [r.as_tuple().exponent for r in rates]
    return max([0] + [-e for e in exponents if isinstance(e, int)])


def grouped_discrepancies(
    snapshot: Build, table: RateTable, profile: TaxProfile
) -> tuple[int, list[Discrepancy]] | None:
    """(lines checked, discrepancies) exactly as the per-line check gives them, or None
    when this build or these rates are outside what it handles (module docstring)."""
    snapshot.require(LINES_TABLE, hint=LINES_HINT)
    try:
        with snapshot.cursor() as cursor:
            scales = _amount_scales(cursor)
            if scales is None:
                return None
            return _check(cursor, table, profile, *scales)
    except _Unsupported:
        return None


def _check(
    cursor: duckdb.DuckDBPyConnection,
    table: RateTable,
    profile: TaxProfile,
    net_scale: int,
    tax_scale: int,
) -> tuple[int, list[Discrepancy]]:
    lines = f"gold.{LINES_TABLE}"
    # Currencies in the order their first line is read, so that an unknown one fails
    # with the error the per-line check meets first.
    per_currency = cursor.execute(
        f"select currency, count(*) from {lines} group by currency "
        "order by min(struct_pack(d := invoice_date, i := invoice_line_id))"
    ).fetchall()
    currencies: dict[object, str] = {}
    units: dict[object, int] = {}
    for value, _count in per_currency:
        digits = minor_digits(currency_of(value, currencies))
        if digits > _MINOR_DIGITS_MAX:
            raise _Unsupported
        units[value] = 10**digits
    checked = sum(int(count) for _value, count in per_currency)
    if not checked:
        return 0, []

    recorder = _RecordingTable(table.shipped, table.overrides)
    groups = cursor.execute(
        "select customer_country_code, customer_tax_id, currency, min(invoice_date) "
        f"from {lines} group by all"
    ).fetchall()
    keys: list[tuple[int, int | None]] = []
    decisions: list[_Decision] = []
    codes: list[str | None] = []
    for gid, (country, tax_id, currency, day) in enumerate(groups):
        decision = _decide(profile, recorder, country, tax_id, currencies[currency], day)
        if len(decision.lookups) > 1:
            raise _Unsupported
        code = decision.lookups[0] if decision.lookups else None
        codes.append(code)
        if code is None:  # no rate looked up: the date does not matter
            keys.append((gid, None))
            decisions.append(decision)

    periods: list[tuple[str, dt.date, dt.date]] = [
        (code, *period)
        for code in sorted({c for c in codes if c is not None})
        for period in _periods(table, code)
    ]
    group_table = pa.table(
        {
            "g_country": pa.array([g[0] for g in groups], pa.string()),
            "g_tax_id": pa.array([g[1] for g in groups], pa.string()),
            "g_currency": pa.array([g[2] for g in groups], pa.string()),
            "gid": pa.array(range(len(groups)), pa.int64()),
            "g_code": pa.array(codes, pa.string()),
        }
    )
    period_table = pa.table(
        {
            "p_code": pa.array([p[0] for p in periods], pa.string()),
            "p_from": pa.array([p[1] for p in periods], pa.date32()),
            "p_to": pa.array([p[2] for p in periods], pa.date32()),
            "pid": pa.array(range(len(periods)), pa.int64()),
        }
    )
    cursor.register("tax_check_groups", group_table)
    cursor.register("tax_check_periods", period_table)
    keyed = (
        f"select l.*, g.gid, p.pid "
        f"from {lines} as l join tax_check_groups as g on {_GROUP_JOIN} "
        f"left join tax_check_periods as p on {_PERIOD_JOIN}"
    )
    if periods:
        # Groups that looked a rate up: decided once per period of that rate, on the
        # period's first date the group has a line.
        dated = cursor.execute(
            f"select gid, pid, min(invoice_date) from ({keyed}) where pid is not null group by all"
        ).fetchall()
        for gid, pid, day in dated:
            country, tax_id, currency, _first = groups[gid]
            decision = _decide(profile, recorder, country, tax_id, currencies[currency], day)
            if decision.lookups != (codes[gid],):
                raise _Unsupported  # the engine's path depended on the date after all
            keys.append((gid, pid))
            decisions.append(decision)

    scale = _rate_scale([d.rate for d in decisions])
    if scale > RATE_SCALE_MAX:
        raise _Unsupported
    rate_type = pa.decimal128(3 + scale, scale)
    cursor.register(
        "tax_check_decisions",
        pa.table(
            {
                "d_gid": pa.array([k[0] for k in keys], pa.int64()),
                "d_pid": pa.array([k[1] for k in keys], pa.int64()),
                "flagged": pa.array([d.flagged for d in decisions], pa.bool_()),
                "reverse_expected": pa.array([d.reverse_charge for d in decisions], pa.bool_()),
                "rate_expected": pa.array([d.rate for d in decisions], rate_type),
            }
        ),
    )
    cursor.register(
        "tax_check_units",
        pa.table(
            {
                "u_currency": pa.array(list(units), pa.string()),
                "units": pa.array([Decimal(u) for u in units.values()], pa.decimal128(5, 0)),
            }
        ),
    )
    result = cursor.execute(
        f"""
        with keyed as ({keyed}),
        expected as (
            select k.*, d.flagged, d.reverse_expected, u.units,
                cast(coalesce(k.net_amount, 0) as decimal(38, {net_scale}))
                    * d.rate_expected * 0.01 as x
            from keyed as k
            join tax_check_decisions as d
                on d.d_gid = k.gid
                and d.d_pid is not distinct from k.pid
            join tax_check_units as u on u.u_currency is not distinct from k.currency
        )
        select {LINE_COLUMNS}, gid, pid from expected
        where flagged
            or coalesce(is_reverse_charge, false) <> reverse_expected
            or cast(coalesce(tax_amount, 0) as decimal(38, {tax_scale})) * units
                <> {_EXPECTED_UNITS}
        order by {LINE_ORDER}
        """
    )

    by_key = dict(zip(keys, decisions, strict=True))
    found: list[Discrepancy] = []
    while rows := result.fetchmany(LINES_PER_FETCH):
        for row in rows:
            item = charged_line(row[:-2], currencies)
            decision = by_key[(row[-2], row[-1])]
            if decision.result is not None:
                listed = line_discrepancy(item, decision.result.for_net(item.tax_line.net))
                if listed is not None:
                    found.append(listed)
            elif decision.error is not None and not decision.lookups:
                found.append(error_discrepancy(item, decision.error))
            else:  # a rate lookup failed: its error names the line's date
                found += find_discrepancies(profile, table, [item])
    return checked, found
