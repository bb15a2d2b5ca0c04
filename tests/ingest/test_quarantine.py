"""No poison files: unreadable or ambiguous files are quarantined, the rest loads; limits hold."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from openpyxl import Workbook

from revlake.config import CONFIG_FILE_NAME, read_config_file
from revlake.ingest import FileStatus, IngestSummary
from revlake.ingest.quarantine import list_quarantine
from revlake.workspace import Workspace

from .conftest import SUBS_HEADER, TENANT

Drop = Callable[[str, bytes], Path]
Ingest = Callable[..., IngestSummary]
Query = Callable[..., list[tuple[Any, ...]]]

AMBIGUOUS_OPPORTUNITIES = (
    "Id,AccountId,StageName,CloseDate,Amount\n"
    "006A,001A,Closed Won,02/03/24,100\n"
    "006B,001A,Prospecting,01/05/24,200\n"
    "006C,001B,Closed Lost,11/10/24,300\n"
)


def _set_tenant(workspace: Workspace, **values: str) -> Workspace:
    path = workspace.root / CONFIG_FILE_NAME
    data = read_config_file(path)
    for tenant in data["tenants"]:
        if tenant["id"] == TENANT:
            tenant.update(values)
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return Workspace.open(workspace.root)


def _rows_in(text: str) -> int:
    return len([line for line in text.splitlines()[1:] if line])


def test_mixed_line_endings_parse(drop: Drop, ingest: Ingest, query: Query) -> None:
    text = f"{SUBS_HEADER}\r\ns1,c1,2024-01-01,1\ns2,c2,2024-01-02,2\r\ns3,c3,2024-01-03,3\n"
    drop("mixed.csv", text.encode())
    [result] = ingest().files
    assert result.status is FileStatus.LOADED
    assert result.rows_loaded == 3
    assert any("mixed line endings" in note for note in result.notes)
    assert query(
        "SELECT subscription_id, monthly_amount, _line_number FROM generic_subscriptions ORDER BY 1"
    ) == [("s1", "1", 2), ("s2", "2", 3), ("s3", "3", 4)]


def test_an_ambiguous_typed_column_quarantines_the_file_with_the_setting_to_add(
    workspace: Workspace, drop: Drop, ingest: Ingest, query: Query
) -> None:
    drop("Opportunity.csv", AMBIGUOUS_OPPORTUNITIES.encode())
    drop("subs.csv", f"{SUBS_HEADER}\ns1,c1,2024-01-01,1\n".encode())
    summary = ingest()
    status = {f.path: f for f in summary.files}
    assert status["subs.csv"].status is FileStatus.LOADED  # the rest of the run loads
    bad = status["Opportunity.csv"]
    assert bad.status is FileStatus.QUARANTINED
    for expected in (
        "close_date",
        "ambiguous",
        "'02/03/24'",
        'date_order = "MDY"',
        f'id = "{TENANT}"',
    ):
        assert expected in bad.message
    assert summary.exit_code == 1
    [record] = list_quarantine(workspace.bronze_path(TENANT))
    assert (record.path, record.column_name) == ("Opportunity.csv", "close_date")
    # with the tenant's setting, the same file loads on the next run, read as M/D/Y
    configured = _set_tenant(workspace, date_order="MDY")
    from revlake.ingest import run_ingest

    again = run_ingest(configured, TENANT)
    [loaded] = again.files
    assert loaded.status is FileStatus.LOADED and loaded.rows_loaded == 3
    formats = query("SELECT format, evidence FROM _column_formats WHERE column_name = 'close_date'")
    assert formats == [("%m/%d/%y", "setting date_order = 'MDY' (tenant 'acme')")]
    assert list_quarantine(configured.bronze_path(TENANT)) == []  # resolved
    closed = list_quarantine(configured.bronze_path(TENANT), include_closed=True)
    assert [r.status for r in closed] == ["resolved"]


def test_a_dd_mm_yyyy_erp_file_is_read_day_first(drop: Drop, ingest: Ingest, query: Query) -> None:
    folder = Path("erp")
    drop(
        str(folder / "bills.csv"),
        (
            b"ContactName,InvoiceNumber,InvoiceDate,DueDate,Total\n"
            b'Acme GmbH,INV-1,31.01.2025,28.02.2025,"1.234,50"\n'
            b'Beta AG,INV-2,05.02.2025,07.03.2025,"99,00"\n'
        ),
    )
    [result] = ingest().files
    assert result.layout == "xero_bills"
    assert query(
        "SELECT column_name, format FROM _column_formats "
        "WHERE column_name IN ('invoice_date', 'due_date', 'total') ORDER BY 1"
    ) == [("due_date", "%d.%m.%Y"), ("invoice_date", "%d.%m.%Y"), ("total", "num:,:.:")]


def test_every_row_is_accounted_for_when_files_are_quarantined(
    drop: Drop, ingest: Ingest, query: Query
) -> None:
    good = f"{SUBS_HEADER}\ns1,c1,2024-01-01,1\ns2,c2,2024-01-02\n"  # one ragged row
    drop("good.csv", good.encode())
    drop("Opportunity.csv", AMBIGUOUS_OPPORTUNITIES.encode())
    drop("broken.parquet", b"PAR1 not parquet")
    summary = ingest()
    by_path = {f.path: f for f in summary.files}
    assert by_path["good.csv"].rows_loaded + by_path["good.csv"].rows_rejected == _rows_in(good)
    quarantined = {r[0] for r in query("SELECT path FROM _quarantine WHERE status = 'open'")}
    assert quarantined == {"Opportunity.csv", "broken.parquet"}
    # a quarantined file is not in bronze at all: its rows are all in quarantine
    assert query("SELECT count(*) FROM _manifest WHERE path <> 'good.csv'") == [(0,)]


def test_dismissed_files_are_skipped_until_they_change(
    workspace: Workspace, drop: Drop, ingest: Ingest
) -> None:
    drop("broken.parquet", b"PAR1 not parquet")
    ingest()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "revlake",
            "quarantine",
            "dismiss",
            "broken.parquet",
            "-w",
            str(workspace.root),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    later = ingest()
    assert later.files == [] and later.files_dismissed == 1 and later.exit_code == 0
    drop("broken.parquet", b"PAR1 still not parquet")  # a new version is tried again
    assert [f.status for f in ingest().files] == [FileStatus.QUARANTINED]
    listed = subprocess.run(
        [sys.executable, "-m", "revlake", "quarantine", "-w", str(workspace.root), "--all"],
        capture_output=True,
        text=True,
        check=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    ).stdout
    assert "dismissed" in listed and "open" in listed


def test_unknown_dismiss_names_the_quarantined_files(
    workspace: Workspace, drop: Drop, ingest: Ingest
) -> None:
    drop("broken.parquet", b"PAR1 not parquet")
    ingest()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "revlake",
            "quarantine",
            "dismiss",
            "nope.csv",
            "-w",
            str(workspace.root),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "broken.parquet" in result.stderr


def test_too_many_new_columns_quarantine_the_file_and_add_none(
    drop: Drop, ingest: Ingest, query: Query
) -> None:
    drop("v1.csv", f"{SUBS_HEADER}\ns1,c1,2024-01-01,1\n".encode())
    ingest()
    extra = [f"x{i}" for i in range(5_000)]
    header = SUBS_HEADER + "," + ",".join(extra)
    row = "s2,c2,2024-01-02,2," + ",".join("1" for _ in extra)
    drop("wide.csv", f"{header}\n{row}\n".encode())
    [result] = ingest().files
    assert result.status is FileStatus.QUARANTINED
    assert "5,000 new columns" in result.message and "ingest_max_new_columns" in result.message
    columns = query(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'generic_subscriptions'"
    )
    assert columns == [(12,)]  # 7 layout columns + 5 metadata: nothing added


def _expanding_xlsx(path: Path, rows: int, width: int) -> None:
    """A small xlsx whose sheet holds one data row and then `rows` empty rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    extra = [f"x{i}" for i in range(width - 4)]
    sheet.append(["subscription_id", "customer_id", "start_date", "monthly_amount", *extra])
    sheet.append(["s1", "c1", "2024-01-01", 1, *(["v"] * len(extra))])
    for _ in range(rows):
        sheet.append([None] * width)
    workbook.save(path)


def test_an_xlsx_that_expands_past_the_cell_limit_is_quarantined(
    workspace: Workspace, ingest: Ingest
) -> None:
    path = workspace.landing_dir(TENANT) / "bomb.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    _expanding_xlsx(path, rows=300_000, width=20)
    size_kib = path.stat().st_size / 1024
    [result] = ingest().files
    assert result.status is FileStatus.QUARANTINED
    assert "cells" in result.message and "ingest_max_cells" in result.message
    assert size_kib < 20_000  # small on disk, huge when expanded


@pytest.mark.parametrize("limit", ["0", "-1"])
def test_limits_are_validated_settings(workspace: Workspace, limit: str) -> None:
    from revlake.config import settings_from_mapping
    from revlake.errors import ConfigError

    if limit == "-1":
        with pytest.raises(ConfigError, match="ingest_max_new_columns"):
            settings_from_mapping({"workspace": {"ingest_max_new_columns": int(limit)}})
    else:
        settings = settings_from_mapping({"workspace": {"ingest_max_new_columns": int(limit)}})
        assert settings.workspace.ingest_max_new_columns == 0
