"""Landing a company's exports as daily drops and late files (the incremental-build tests)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb

from revlake.demo.drops import write_csv
from revlake.ingest import run_ingest
from revlake.workspace import Workspace


def land(workspace: Workspace, tenant: str, folder: Path) -> None:
    """Copy `folder` into the tenant's landing folder and ingest it (strict, nothing rejected)."""
    shutil.copytree(folder, workspace.landing_dir(tenant), dirs_exist_ok=True)
    ingested = run_ingest(workspace, tenant, strict=True)
    assert ingested.rows_rejected == 0 and not ingested.problems


def csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """A CSV file's header and rows."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, list(reader)


def late_files(exports: Path, out: Path) -> Path:
    """FX rates for a day two years back (changed) and a bank line dated then."""
    header, rows = csv_rows(exports / "fx/fx_rates.csv")
    old = [r for r in rows if r[0].startswith("2023-06-15") and r[1] != "USD"]
    changed = [[r[0], r[1], f"{float(r[2]) * 1.05:.6f}"] for r in old]
    write_csv(out / "fx" / "fx_rates_late.csv", header, changed)
    header, rows = csv_rows(exports / "bank/bank_statement.csv")
    line = next(r for r in rows if r[0].startswith("2023-"))
    late = list(line)
    late[1] = late[1][:-4] + "beef"  # a new transaction id on the same old day
    write_csv(out / "bank" / "bank_statement_late.csv", header, [late])
    return out


def schemas_of(snapshot: Path | None) -> set[str]:
    """The schemas a published build file holds tables in."""
    assert snapshot is not None
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        rows = con.execute("select distinct table_schema from information_schema.tables")
        return {str(row[0]) for row in rows.fetchall()}
    finally:
        con.close()
