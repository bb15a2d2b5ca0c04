"""Every format, encoding, newline style and delimiter lands in bronze with exact values."""

from __future__ import annotations

import codecs
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from revlake.ingest import FileStatus, IngestSummary

ROWS = [
    ("s1", "c1", "2024-01-01", "100.00"),
    ("s2", " Zoë Müller ", "2024-02-01", "50.5"),
    ("s3", "c3", "2024-03-01", ""),
]
EXPECTED = [
    ("s1", "c1", "2024-01-01", "100.00", 1),
    ("s2", " Zoë Müller ", "2024-02-01", "50.5", 2),
    ("s3", "c3", "2024-03-01", None, 3),
]
SELECT = (
    "SELECT subscription_id, customer_id, start_date, mrr, _row_number "
    "FROM generic_subscriptions ORDER BY _row_number"
)


def _csv_text(delimiter: str = ",", newline: str = "\n", final_newline: bool = True) -> str:
    lines = [delimiter.join(("subscription_id", "customer_id", "start_date", "monthly_amount"))]
    lines += [delimiter.join(row) for row in ROWS]
    return newline.join(lines) + (newline if final_newline else "")


def _only_loaded(summary: IngestSummary) -> Any:
    assert [f.status for f in summary.files] == [FileStatus.LOADED], summary.files
    return summary.files[0]


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-8", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("latin-1", b""),
        ("cp1252", b""),
    ],
)
def test_encodings(
    drop: Callable[[str, bytes], Path],
    ingest: Callable[..., IngestSummary],
    query: Callable[..., list[tuple[Any, ...]]],
    encoding: str,
    bom: bytes,
) -> None:
    drop("subscriptions.csv", bom + _csv_text().encode(encoding))
    result = _only_loaded(ingest())
    assert (result.rows_loaded, result.rows_rejected) == (3, 0)
    assert query(SELECT) == EXPECTED


def test_cp1252_euro_sign(
    drop: Callable[[str, bytes], Path],
    ingest: Callable[..., IngestSummary],
    query: Callable[..., list[tuple[Any, ...]]],
) -> None:
    text = "subscription_id,customer_id,start_date,monthly_amount,plan\ns1,c1,2024-01-01,9,Pro €\n"
    drop("subs.csv", text.encode("cp1252"))
    ingest()
    assert query("SELECT plan FROM generic_subscriptions") == [("Pro €",)]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("final_newline", [True, False])
def test_delimiters_and_newlines(
    drop: Callable[[str, bytes], Path],
    ingest: Callable[..., IngestSummary],
    query: Callable[..., list[tuple[Any, ...]]],
    delimiter: str,
    newline: str,
    final_newline: bool,
) -> None:
    drop("subs.csv", _csv_text(delimiter, newline, final_newline).encode())
    result = _only_loaded(ingest())
    assert (result.rows_loaded, result.rows_rejected) == (3, 0)
    assert query(SELECT) == EXPECTED
    lines = query("SELECT _line_number FROM generic_subscriptions ORDER BY _row_number")
    assert lines == [(2,), (3,), (4,)]


def test_semicolon_file_with_decimal_commas(
    drop: Callable[[str, bytes], Path],
    ingest: Callable[..., IngestSummary],
    query: Callable[..., list[tuple[Any, ...]]],
) -> None:
    drop(
        "subs.csv", b"subscription_id;customer_id;start_date;monthly_amount\ns1;c1;2024-01-01;1,5\n"
    )
    ingest()
    assert query("SELECT mrr FROM generic_subscriptions") == [("1,5",)]


def test_quoted_fields_with_embedded_newlines_keep_line_numbers(
    drop: Callable[[str, bytes], Path],
    ingest: Callable[..., IngestSummary],
    query: Callable[..., list[tuple[Any, ...]]],
) -> None:
    text = (
        "subscription_id,customer_id,start_date,monthly_amount,plan\r\n"
        's1,c1,2024-01-01,1,"two\r\nlines"\r\n'
        's2,"say ""hi"", ok",2024-01-01,2,"three\nshort\nlines"\r\n'
        "s3,c3,2024-01-01,3,plain\r\n"
    )
    drop("subs.csv", text.encode())
    result = _only_loaded(ingest())
    assert result.rows_loaded == 3
    rows = query(
        "SELECT subscription_id, customer_id, plan, _row_number, _line_number "
        "FROM generic_subscriptions ORDER BY _row_number"
    )
    assert rows == [
        ("s1", "c1", "two\r\nlines", 1, 2),
        ("s2", 'say "hi", ok', "three\nshort\nlines", 2, 4),
        ("s3", "c3", "plain", 3, 7),
    ]


def test_json_lines(
    drop: Callable[[str, bytes], Path],
    ingest: Callable[..., IngestSummary],
    query: Callable[..., list[tuple[Any, ...]]],
) -> None:
    text = (
        '{"subscription_id": "s1", "customer_id": "c1", "start_date": "2024-01-01", '
        '"monthly_amount": "100.00"}\n'
        "\n"
        '{"subscription_id": "s2", "customer_id": "c2", "start_date": "2024-02-01", '
        '"monthly_amount": 12, "plan": null, "tags": ["a", "b"]}\n'
    )
    drop("subs.jsonl", text.encode())
    result = _only_loaded(ingest())
    assert (result.rows_loaded, result.rows_rejected) == (2, 0)
    assert result.new_columns == ("tags",)
    rows = query(
        "SELECT subscription_id, mrr, plan, tags, _row_number, _line_number "
        "FROM generic_subscriptions ORDER BY _row_number"
    )
    assert rows == [("s1", "100.00", None, None, 1, 1), ("s2", "12", None, '["a","b"]', 3, 3)]


def test_json_lines_with_crlf(
    drop: Callable[[str, bytes], Path],
    ingest: Callable[..., IngestSummary],
    query: Callable[..., list[tuple[Any, ...]]],
) -> None:
    row = '{"subscription_id": "s%d", "customer_id": "c", "start_date": "d", "monthly_amount": "1"}'
    drop("subs.ndjson", "\r\n".join([row % 1, row % 2, "", row % 4]).encode())
    result = _only_loaded(ingest())
    assert (result.rows_loaded, result.rows_rejected) == (3, 0)
    assert query(
        "SELECT subscription_id, _row_number, _line_number FROM generic_subscriptions ORDER BY 2"
    ) == [("s1", 1, 1), ("s2", 2, 2), ("s4", 4, 4)]


def test_parquet(
    drop: Callable[[str, bytes], Path],
    ingest: Callable[..., IngestSummary],
    query: Callable[..., list[tuple[Any, ...]]],
    tmp_path: Path,
) -> None:
    table = pa.table(
        {
            "subscription_id": ["s1", "s2"],
            "customer_id": ["c1", None],
            "start_date": [dt.date(2024, 1, 1), dt.date(2024, 2, 29)],
            "monthly_amount": [100, 7],
        }
    )
    pq.write_table(table, tmp_path / "x.parquet")
    drop("subs.parquet", (tmp_path / "x.parquet").read_bytes())
    result = _only_loaded(ingest())
    assert (result.rows_loaded, result.rows_rejected) == (2, 0)
    assert query(
        "SELECT subscription_id, customer_id, start_date, mrr, _row_number "
        "FROM generic_subscriptions ORDER BY _row_number"
    ) == [("s1", "c1", "2024-01-01", "100", 1), ("s2", None, "2024-02-29", "7", 2)]


def test_xlsx(
    drop: Callable[[str, bytes], Path],
    ingest: Callable[..., IngestSummary],
    query: Callable[..., list[tuple[Any, ...]]],
    tmp_path: Path,
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["subscription_id", "customer_id", "start_date", "monthly_amount", "plan"])
    sheet.append(["s1", "c1", dt.date(2024, 1, 1), 100.0, "line\nbreak"])
    sheet.append(["s2", " c2 ", dt.datetime(2024, 2, 1, 12, 30), 12.5, None])
    book.save(tmp_path / "x.xlsx")
    drop("subs.xlsx", (tmp_path / "x.xlsx").read_bytes())
    result = _only_loaded(ingest())
    assert (result.rows_loaded, result.rows_rejected) == (2, 0)
    assert query(
        "SELECT subscription_id, customer_id, start_date, mrr, plan, _row_number "
        "FROM generic_subscriptions ORDER BY _row_number"
    ) == [
        ("s1", "c1", "2024-01-01 00:00:00", "100", "line\nbreak", 1),
        ("s2", " c2 ", "2024-02-01 12:30:00", "12.5", None, 2),
    ]
