"""Nothing lost: unreadable rows go to _rejects, and file rows = bronze rows + rejects."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from revlake.ingest import IngestSummary

HEADER = b"subscription_id,customer_id,start_date,monthly_amount\n"


def _counts(query: Callable[..., list[tuple[Any, ...]]], source: str) -> tuple[int, int]:
    loaded = query("SELECT count(*) FROM generic_subscriptions WHERE _source_file = ?", [source])
    rejected = query("SELECT count(*) FROM _rejects WHERE source_file = ?", [source])
    return int(loaded[0][0]), int(rejected[0][0])


def test_bad_csv_rows_are_rejected_with_line_raw_text_and_reason(
    drop: Callable[[str, bytes], Path],
    ingest: Callable[..., IngestSummary],
    query: Callable[..., list[tuple[Any, ...]]],
) -> None:
    body = (
        b"s1,Zo\xc3\xab,2024-01-01,1\n"  # valid UTF-8, so the file is read as UTF-8
        b's2,"multi\nline",2024-01-01,2\n'
        b"s3,c3,2024-01-01\n"  # missing column
        b"s4,c4,2024-01-01,4,extra\n"  # too many columns
        b"s5,\xff\xfe,2024-01-01,5\n"  # undecodable bytes
        b's6,"c6"x,2024-01-01,6\n'  # broken quoting
        b"s7,J\xc3\xbcrgen,2024-01-01,7"  # no final newline
    )
    drop("subs.csv", HEADER + body)
    summary = ingest()
    [result] = summary.files
    assert (result.rows_loaded, result.rows_rejected) == (3, 4)
    assert _counts(query, "subs.csv") == (3, 4)  # 7 data rows in the file
    assert query(
        "SELECT subscription_id, customer_id, _row_number, _line_number "
        "FROM generic_subscriptions ORDER BY _row_number"
    ) == [("s1", "Zoë", 1, 2), ("s2", "multi\nline", 2, 3), ("s7", "Jürgen", 7, 9)]
    rejects = query(
        "SELECT line_number, row_number, raw_text, reason, layout, load_id "
        "FROM _rejects ORDER BY line_number"
    )
    assert [r[:3] for r in rejects] == [
        (5, 3, "s3,c3,2024-01-01"),
        (6, 4, "s4,c4,2024-01-01,4,extra"),
        (7, 5, "s5,\\xff\\xfe,2024-01-01,5"),
        (8, 6, 's6,"c6"x,2024-01-01,6'),
    ]
    reasons = [r[3] for r in rejects]
    assert reasons[0].startswith("missing columns")
    assert reasons[1].startswith("too many columns")
    assert reasons[2].startswith("invalid encoding")
    assert reasons[3].startswith("unquoted value")
    assert {r[4] for r in rejects} == {"generic_subscriptions"}
    assert {r[5] for r in rejects} == {summary.load_id}


def test_json_lines_rejects(
    drop: Callable[[str, bytes], Path],
    ingest: Callable[..., IngestSummary],
    query: Callable[..., list[tuple[Any, ...]]],
) -> None:
    good = (
        b'{"subscription_id":"s1","customer_id":"c1","start_date":"2024-01-01","monthly_amount":1}'
    )
    drop("subs.jsonl", good + b"\n{broken\n[1, 2]\n" + good.replace(b"s1", b"s4") + b"\n")
    [result] = ingest().files
    assert (result.rows_loaded, result.rows_rejected) == (2, 2)
    assert _counts(query, "subs.jsonl") == (2, 2)
    assert query("SELECT line_number, raw_text, reason FROM _rejects ORDER BY 1") == [
        (2, "{broken", "invalid JSON"),
        (3, "[1, 2]", "not a JSON object"),
    ]


def test_invariant_holds_on_a_larger_file_with_scattered_rejects(
    drop: Callable[[str, bytes], Path],
    ingest: Callable[..., IngestSummary],
    query: Callable[..., list[tuple[Any, ...]]],
) -> None:
    lines = []
    bad = {17, 18, 999, 25_000, 49_999}
    for n in range(1, 50_001):
        lines.append(f"s{n},c{n}" if n in bad else f"s{n},c{n},2024-01-01,{n}")
    drop("subs.csv", HEADER + "\n".join(lines).encode())
    [result] = ingest().files
    assert (result.rows_loaded, result.rows_rejected) == (50_000 - len(bad), len(bad))
    assert query("SELECT row_number, line_number FROM _rejects ORDER BY 1") == [
        (n, n + 1) for n in sorted(bad)
    ]
    # Row numbers of accepted rows are their data row numbers, around the rejected ones.
    mismatched = query(
        "SELECT count(*) FROM generic_subscriptions "
        "WHERE 's' || _row_number <> subscription_id OR _line_number <> _row_number + 1"
    )
    assert mismatched == [(0,)]
