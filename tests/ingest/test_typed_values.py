"""Typed detection: one format per file and column, chosen over the whole column."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb
import pytest

from revlake.ingest.detect import ColumnFormat, DetectionContext, detect_formats
from revlake.ingest.values import (
    ValueKind,
    format_from_code,
    format_problem,
    number_sql,
)


def _detect(
    columns: dict[str, Sequence[str | None]], context: DetectionContext | None = None
) -> dict[str, ColumnFormat]:
    """Detect the formats of columns given as lists of values (None = empty)."""
    con = duckdb.connect()
    names = list(columns)
    rows = max(len(v) for v in columns.values())
    con.execute(
        "CREATE TEMP TABLE t (" + ", ".join(f"c{i} VARCHAR" for i in range(len(names))) + ")"
    )
    data = [
        tuple(columns[name][r] if r < len(columns[name]) else None for name in names)
        for r in range(rows)
    ]
    con.executemany(f"INSERT INTO t VALUES ({', '.join('?' for _ in names)})", data)
    found = detect_formats(
        con, "SELECT * FROM t", names, context or DetectionContext(), temp_prefix="x"
    )
    return {f.column: f for f in found}


def _parse(code: str, values: Sequence[str]) -> list[object]:
    fmt = format_from_code(code)
    con = duckdb.connect()
    expr = fmt.parse_sql("v")
    if fmt.kind.is_numeric:
        expr = f"try_cast({expr} as decimal(18, 2))"
    return [con.execute(f"SELECT {expr} FROM (SELECT ? AS v)", [v]).fetchone()[0] for v in values]  # type: ignore[index]


def test_us_salesforce_dates_and_am_pm_timestamps() -> None:
    found = _detect(
        {
            "close_date": ["02/03/24", "11/30/24", "01/05/24"],
            "created_date": ["02/23/26 08:55 PM", "12/01/26 09:05 AM", "1/3/26 12:00 AM"],
        }
    )
    assert found["close_date"].code == "%m/%d/%y"
    assert found["close_date"].kind is ValueKind.DATE
    assert found["created_date"].code == "%m/%d/%y %I:%M %p"
    assert _parse("%m/%d/%y", ["02/03/24"]) == [dt.datetime(2024, 2, 3)]
    assert _parse("%m/%d/%y %I:%M %p", ["02/23/26 08:55 PM", "1/3/26 12:00 AM"]) == [
        dt.datetime(2026, 2, 23, 20, 55),
        dt.datetime(2026, 1, 3, 0, 0),
    ]


@pytest.mark.parametrize(
    ("values", "code"),
    [
        (["31.01.2024", "01.02.2024", "15.12.2023"], "%d.%m.%Y"),
        (["2024-01-31", "2024-02-01"], "iso"),
        (["2024-01-31 10:00:00", "2024-02-01T23:59:59.123"], "iso"),
        (["2024-01-31T10:00:00+02:00", "2024-02-01T08:00:00Z"], "iso_tz"),
        (["31/01/2024", "1/2/2024"], "%d/%m/%Y"),
        (["13-Feb-24", "01-Mar-24"], "%d-%b-%y"),
        (["Feb 3, 2024", "Dec 31, 2023"], "%b %d, %Y"),
        (["2024/01/31", "2024/12/01"], "%Y/%m/%d"),
    ],
)
def test_date_formats_are_recognised(values: list[str], code: str) -> None:
    assert _detect({"some_date": values})["some_date"].code == code


def test_offsets_are_converted_to_utc() -> None:
    assert _parse("iso_tz", ["2024-01-31T10:00:00+02:00", "2024-02-01T08:00:00Z"]) == [
        dt.datetime(2024, 1, 31, 8, 0),
        dt.datetime(2024, 2, 1, 8, 0),
    ]
    assert _parse("%Y-%m-%d %H:%M:%S%z", ["2024-01-31 10:00:00-0500"]) == [
        dt.datetime(2024, 1, 31, 15, 0)
    ]


def test_numeric_date_encodings_need_a_date_name_or_a_declared_type() -> None:
    found = _detect(
        {
            "order_dt": ["20240131", "20240201"],
            "order_no": ["20240131", "20240201"],
            "created_at": ["1706659200", "1706745600"],
            "updated_ms": ["1706659200123", "1706745600000"],
            "serial_day": ["45322", "45323"],
        },
        DetectionContext(declared={"updated_ms": "timestamp", "serial_day": "date"}),
    )
    assert found["order_dt"].code == "%Y%m%d"
    assert found["order_no"].kind is ValueKind.INTEGER
    assert found["created_at"].code == "epoch_s"
    assert found["updated_ms"].code == "epoch_ms"
    assert found["serial_day"].code == "excel_serial"
    assert _parse("epoch_s", ["1706659200"]) == [dt.datetime(2024, 1, 31)]
    assert _parse("epoch_ms", ["1706659200123"]) == [dt.datetime(2024, 1, 31, 0, 0, 0, 123000)]
    assert _parse("excel_serial", ["45322"]) == [dt.datetime(2024, 1, 31)]


@pytest.mark.parametrize(
    ("values", "code", "parsed"),
    [
        (["1,234.50", "12.00", "(3.00)"], "num:.:,:(", ["1234.50", "12.00", "-3.00"]),
        (["1.234,50", "12,00", "-7,5"], "num:,:.:", ["1234.50", "12.00", "-7.50"]),
        (["$1,200.00", "USD 5", "€3"], "num:.:,:$", ["1200.00", "5.00", "3.00"]),
        (["12%", "7.5%", "100%"], "num:.::%", ["12.00", "7.50", "100.00"]),
        (["1 234,5", "12,25"], "num:,: :", ["1234.50", "12.25"]),
        (["120-", "35"], "num:.::-", ["-120.00", "35.00"]),
    ],
)
def test_number_styles(values: list[str], code: str, parsed: list[str]) -> None:
    found = _detect({"amount": values})["amount"]
    assert found.code == code
    assert found.invalid == 0
    assert [str(v) for v in _parse(code, values)] == parsed


def test_an_account_code_is_not_money() -> None:
    found = _detect({"reference": ["AWS-00003", "AWS-00009", "AWS-00017"]})["reference"]
    assert found.kind is ValueKind.TEXT


def test_booleans_and_integers() -> None:
    found = _detect(
        {"is_won": ["TRUE", "FALSE", "true"], "active": ["Yes", "No"], "flag": ["1", "0", "1"]}
    )
    assert found["is_won"].kind is ValueKind.BOOLEAN
    assert found["active"].kind is ValueKind.BOOLEAN
    assert found["flag"].kind is ValueKind.INTEGER  # 1/0 reads as true/false too (to_bool)


def test_detection_reads_the_whole_column_not_the_first_rows() -> None:
    # 30,000 dates with day ≤ 12 first, then one that settles the order: only the whole
    # column says D/M/Y.
    values = [f"{(i % 12) + 1:02d}/{(i % 9) + 1:02d}/2024" for i in range(30_000)]
    values.append("25/12/2024")
    found = _detect({"booked": values})["booked"]
    assert found.code == "%d/%m/%Y"
    assert found.evidence == "values"
    assert found.invalid == 0


def test_an_ambiguous_column_is_reported_with_candidates_and_samples() -> None:
    found = _detect({"close_date": ["02/03/24", "01/05/24", "11/10/24"]})["close_date"]
    assert found.code is None
    assert found.ambiguous
    assert set(found.candidates) >= {"%m/%d/%y", "%d/%m/%y"}
    assert "02/03/24" in found.samples


def test_ambiguity_is_settled_by_the_setting_the_layout_or_the_same_file() -> None:
    values = ["02/03/24", "01/05/24"]
    by_setting = _detect(
        {"close_date": values},
        DetectionContext(date_order="DMY", date_order_source="tenant 'acme'"),
    )["close_date"]
    assert by_setting.code == "%d/%m/%y"
    assert "date_order" in by_setting.evidence
    by_layout = _detect({"close_date": values}, DetectionContext(layout_date_order="MDY"))
    assert by_layout["close_date"].code == "%m/%d/%y"
    by_file = _detect({"close_date": values, "created_date": ["12/31/24", "01/02/24"]})
    assert by_file["close_date"].code == "%m/%d/%y"
    assert by_file["close_date"].evidence == "other date columns of the same file"
    by_prior = _detect(
        {"close_date": values}, DetectionContext(prior={"close_date": ("%m/%d/%y", "opp1.csv")})
    )
    assert by_prior["close_date"].evidence == "earlier load of opp1.csv"
    forced = _detect({"close_date": values}, DetectionContext(forced={"close_date": "%d/%m/%y"}))
    assert forced["close_date"].code == "%d/%m/%y"


def test_decimal_comma_ambiguity_and_its_setting() -> None:
    values = ["1,234", "5,678"]
    assert _detect({"amount": values})["amount"].ambiguous
    settled = _detect({"amount": values}, DetectionContext(decimal_separator=","))["amount"]
    assert settled.code == "num:,::"
    assert _detect({"amount": [*values, "1,234,567"]})["amount"].code == "num:.:,:"


def test_bad_values_and_dates_out_of_range_are_counted_with_examples() -> None:
    found = _detect(
        {
            "sls_order_dt": ["20130823", "0", "32154", "20131001"],
            "bdate": ["1916-02-10", "1899-05-01", "2150-07-06", "1980-01-01"],
        },
        DetectionContext(declared={"sls_order_dt": "date", "bdate": "date"}),
    )
    order = found["sls_order_dt"]
    assert order.code == "%Y%m%d"
    assert order.invalid == 2
    assert set(order.examples) == {"0", "32154"}
    birth = found["bdate"]
    assert birth.code == "iso"
    assert birth.out_of_range == 2
    assert set(birth.examples) == {"1899-05-01", "2150-07-06"}


def test_mixed_formats_pick_one_and_count_the_rest_invalid() -> None:
    found = _detect(
        {"date": ["2025-01-20", "31/01/2025"]}, DetectionContext(declared={"date": "date"})
    )["date"]
    assert found.code == "iso"
    assert found.invalid == 1
    assert found.examples == ("31/01/2025",)


def test_a_declared_kind_with_no_fitting_format_is_reported() -> None:
    found = _detect(
        {"close_date": ["soon", "later"]}, DetectionContext(declared={"close_date": "date"})
    )["close_date"]
    assert found.code is None
    assert found.invalid == 2


def test_empty_and_sparse_columns() -> None:
    values: list[str | None] = [None] * 25_000 + ["2024-03-01"]
    found = _detect({"empty": [None, None], "sparse_date": values})
    assert found["empty"].kind is ValueKind.EMPTY
    assert found["sparse_date"].code == "iso"


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("%d/%m/%Y", None),
        ("num:,:.:", None),
        ("iso", None),
        ("%Q-%m", "not a date format"),
        ("num:x::", "not a number format"),
        ("whatever", "not a date format"),
    ],
)
def test_layout_format_codes_are_validated(code: str, problem: str | None) -> None:
    found = format_problem(code)
    assert (found is None) if problem is None else (problem in str(found))


def test_number_sql_is_strict_about_grouping() -> None:
    con = duckdb.connect()
    bad, good = number_sql("num:.:,:", "v"), number_sql("num:.:,:", "w")
    row = con.execute(f"SELECT {bad}, {good} FROM (SELECT '1,23,4' AS v, '1,234' AS w)").fetchone()
    assert row == (None, "1234")
