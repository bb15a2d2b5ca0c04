"""Exactly once: re-runs, changed files, duplicates, empty and header-only files, evolution."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from revlake.ingest import FileStatus, IngestSummary

HEADER = "subscription_id,customer_id,start_date,monthly_amount"


def test_rerun_loads_nothing_and_touch_does_not_reload(
    drop: Callable[[str, bytes], Path],
    ingest: Callable[..., IngestSummary],
    query: Callable[..., list[tuple[Any, ...]]],
) -> None:
    path = drop("a/subs.csv", f"{HEADER}\ns1,c1,2024-01-01,1\n".encode())
    first = ingest()
    assert [(f.path, f.rows_loaded, f.version) for f in first.files] == [("a/subs.csv", 1, 1)]
    again = ingest()
    assert (again.files, again.files_unchanged) == ([], 1)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))  # new mtime, same content
    touched = ingest()
    assert (touched.files, touched.files_unchanged) == ([], 1)
    assert query("SELECT count(*) FROM generic_subscriptions") == [(1,)]
    assert query("SELECT count(*) FROM _loads") == [(1,)]


def test_changed_file_loads_as_new_version_and_old_rows_stay(
    drop: Callable[[str, bytes], Path],
    ingest: Callable[..., IngestSummary],
    query: Callable[..., list[tuple[Any, ...]]],
) -> None:
    drop("subs.csv", f"{HEADER}\ns1,c1,2024-01-01,1\n".encode())
    first = ingest()
    drop("subs.csv", f"{HEADER}\ns1,c1,2024-01-01,2\ns2,c2,2024-01-01,3\n".encode())
    second = ingest()
    [result] = second.files
    assert (result.status, result.version, result.rows_loaded) == (FileStatus.LOADED, 2, 2)
    assert query(
        "SELECT _load_id, subscription_id, monthly_amount FROM generic_subscriptions "
        "ORDER BY _loaded_at, _row_number"
    ) == [
        (first.load_id, "s1", "1"),
        (second.load_id, "s1", "2"),
        (second.load_id, "s2", "3"),
    ]
    assert query("SELECT path, version, rows_loaded FROM _manifest ORDER BY version") == [
        ("subs.csv", 1, 1),
        ("subs.csv", 2, 2),
    ]


def test_same_content_under_another_name_is_a_duplicate(
    drop: Callable[[str, bytes], Path],
    ingest: Callable[..., IngestSummary],
    query: Callable[..., list[tuple[Any, ...]]],
) -> None:
    content = f"{HEADER}\ns1,c1,2024-01-01,1\n".encode()
    drop("subs.csv", content)
    ingest()
    drop("copy/subs (1).csv", content)
    [result] = ingest().files
    assert result.status is FileStatus.DUPLICATE
    assert "subs.csv" in result.message
    assert query("SELECT count(*) FROM generic_subscriptions") == [(1,)]
    assert query("SELECT status FROM _manifest WHERE path = 'copy/subs (1).csv'") == [
        ("duplicate",)
    ]


def test_empty_and_header_only_files_are_recorded(
    drop: Callable[[str, bytes], Path],
    ingest: Callable[..., IngestSummary],
    query: Callable[..., list[tuple[Any, ...]]],
) -> None:
    drop("empty.csv", b"")
    drop("empty_too.csv", b"")
    drop("header_only.csv", f"{HEADER}\r\n".encode())
    drop("blank.jsonl", b"\n\n")
    summary = ingest()
    by_path = {f.path: f for f in summary.files}
    assert by_path["empty.csv"].status is FileStatus.EMPTY
    assert by_path["empty_too.csv"].status is FileStatus.EMPTY
    assert by_path["blank.jsonl"].status is FileStatus.EMPTY
    header_only = by_path["header_only.csv"]
    assert (header_only.status, header_only.layout, header_only.rows_loaded) == (
        FileStatus.LOADED,
        "generic_subscriptions",
        0,
    )
    assert query("SELECT path, status, rows_loaded FROM _manifest ORDER BY path") == [
        ("blank.jsonl", "empty", 0),
        ("empty.csv", "empty", 0),
        ("empty_too.csv", "empty", 0),
        ("header_only.csv", "loaded", 0),
    ]
    assert query("SELECT count(*) FROM generic_subscriptions") == [(0,)]
    assert ingest().files == []


def test_unrecognised_file_names_the_three_closest_layouts(
    drop: Callable[[str, bytes], Path],
    ingest: Callable[..., IngestSummary],
    query: Callable[..., list[tuple[Any, ...]]],
) -> None:
    drop("billing/invoices.csv", b"id,Customer,Currency,Total\nin_1,cus_1,usd,10\n")
    drop("billing/README.md", b"# notes\n")
    drop(".hidden/x.csv", b"a\n1\n")
    summary = ingest()
    readme, result = summary.files
    assert (readme.path, readme.status) == ("billing/README.md", FileStatus.UNSUPPORTED)
    assert result.status is FileStatus.UNRECOGNISED
    assert "stripe_invoices: missing required columns status, amount_due" in result.message
    assert result.message.count("missing required columns") == 3
    assert summary.exit_code == 0
    assert ingest(strict=True).exit_code == 1
    assert query("SELECT count(*) FROM _manifest") == [(0,)]  # retried on every run


def test_schema_evolution_new_dropped_and_renamed_columns(
    drop: Callable[[str, bytes], Path],
    ingest: Callable[..., IngestSummary],
    query: Callable[..., list[tuple[Any, ...]]],
) -> None:
    drop("v1.csv", b"subscription_id,customer_id,start_date,monthly_amount,plan\ns1,c1,d1,1,pro\n")
    ingest()
    # v2: new column `seats`, `plan` dropped, `monthly_amount` renamed to its alias `MRR`.
    drop("v2.csv", b"subscription_id,customer_id,start_date,MRR,Seats\ns2,c2,d2,2,5\n")
    [result] = ingest().files
    assert result.new_columns == ("seats",)
    assert query(
        "SELECT subscription_id, monthly_amount, plan, seats FROM generic_subscriptions "
        "ORDER BY subscription_id"
    ) == [("s1", "1", "pro", None), ("s2", "2", None, "5")]
    assert query("SELECT new_columns FROM _manifest ORDER BY path") == [([],), (["seats"],)]


def test_unreadable_files_are_quarantined_alone_and_retried(
    drop: Callable[[str, bytes], Path],
    ingest: Callable[..., IngestSummary],
    query: Callable[..., list[tuple[Any, ...]]],
) -> None:
    drop("broken.parquet", b"PAR1 this is not parquet")
    drop("broken.xlsx", b"not a zip file")
    drop("subs.csv", f"{HEADER}\ns1,c1,2024-01-01,1\n".encode())
    summary = ingest()
    status = {f.path: f.status for f in summary.files}
    assert status == {
        "subs.csv": FileStatus.LOADED,
        "broken.parquet": FileStatus.QUARANTINED,
        "broken.xlsx": FileStatus.QUARANTINED,
    }
    assert all("cannot be read" in f.message for f in summary.problems)
    assert summary.exit_code == 1
    assert query("SELECT path FROM _manifest") == [("subs.csv",)]
    assert query("SELECT path, status FROM _quarantine ORDER BY path") == [
        ("broken.parquet", "open"),
        ("broken.xlsx", "open"),
    ]
    again = ingest()
    assert {f.path for f in again.files} == {"broken.parquet", "broken.xlsx"}
    assert query("SELECT count(*) FROM _quarantine") == [(2,)]  # refreshed, not duplicated
