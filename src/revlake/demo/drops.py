"""The demo company's exports as daily drops: what landed before, then one folder per day.

A real tenant's landing folder fills a day at a time: each day's billing, bank, FX, CRM and
ad-platform exports hold that day's new records, and a CRM export repeats the deals that
changed. `split_daily_drops` cuts a generated company the same way, so incremental builds
can be tested and measured on it (tests/transform/test_incremental_build.py,
benchmarks/bench_build.py --daily): `initial/` holds every record dated before the last
`days` days and every state export (customers, subscriptions, products, accounts, users,
deals, usage) whole; `day-YYYY-MM-DD/` holds that day's records, under the same folders,
with the day in each file name so that landing it adds new files.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

DATED_EXPORTS: dict[str, str] = {
    "billing/invoices.csv": "Date (UTC)",
    "billing/payouts.csv": "Created (UTC)",
    "bank/bank_statement.csv": "Date",
    "fx/fx_rates.csv": "date",
    "crm/Lead.csv": "CreatedDate",
    "crm/OpportunityHistory.csv": "CreatedDate",
    "accounting/bills.csv": "InvoiceDate",
    "accounting/bill_payments.csv": "Date",
    "marketing/google_ads_campaign_report.csv": "Day",
    "marketing/linkedin_ads_campaign_report.csv": "Start Date (in UTC)",
    "marketing/meta_ads_campaign_report.csv": "Reporting starts",
    "marketing/microsoft_ads_campaign_report.csv": "TimePeriod",
}
"""Event exports and the ISO date column that says which day a record belongs to."""

LINKED_EXPORTS: dict[str, tuple[str, str]] = {
    "billing/invoice_line_items.csv": ("Invoice ID", "billing/invoices.csv"),
    "billing/charges.csv": ("Invoice ID", "billing/invoices.csv"),
    "billing/credit_notes.csv": ("Invoice ID", "billing/invoices.csv"),
    "billing/refunds.csv": ("Charge ID", "billing/charges.csv"),
}
"""Exports whose records go with another export's record: (their key column, that export),
in dependency order. A payment or credit of an invoice exported before the drop days stays
with it (that invoice's export already counts it as paid or credited), so every drop is
consistent on its own."""

REPEATED_EXPORTS: dict[str, str] = {"crm/Opportunity.csv": "LastStageChangeDate"}
"""State exports whose records changed that day are exported again in the day's drop."""


def split_daily_drops(exports: Path, out: Path, *, days: int = 1) -> list[Path]:
    """Write `out/initial` and one `out/day-<date>` per day of the last `days` days.

    The last day is the latest FX rate date (the generator writes a rate every day).
    Returns the folders in landing order (initial first).
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    last = _last_day(exports)
    drop_days = [last - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]
    initial = out / "initial"
    shutil.copytree(exports, initial)
    folders = [initial]
    for day in drop_days:
        folders.append(out / f"day-{day.isoformat()}")
        folders[-1].mkdir(parents=True, exist_ok=True)
    moved: dict[str, dict[str, str]] = {}
    for relative, column in DATED_EXPORTS.items():
        moved[relative] = _split(initial / relative, column, out, drop_days, day_of=None)
    for relative, (key, parent) in LINKED_EXPORTS.items():
        moved[relative] = _split(initial / relative, key, out, drop_days, day_of=moved[parent])
    for relative, column in REPEATED_EXPORTS.items():
        _repeat(initial / relative, column, out, drop_days)
    return folders


def _last_day(exports: Path) -> dt.date:
    with (exports / "fx/fx_rates.csv").open(newline="", encoding="utf-8") as handle:
        return max(dt.date.fromisoformat(row["date"][:10]) for row in csv.DictReader(handle))


def _split(
    path: Path,
    column: str,
    out: Path,
    drop_days: list[dt.date],
    *,
    day_of: dict[str, str] | None,
) -> dict[str, str]:
    """Move the records of the drop days out of `path` into each day's folder.

    With `day_of` the record's day is that of its parent (looked up by `column`);
    otherwise it is `column`'s date. Returns {first column value: day} of moved records.
    """
    if not path.is_file():
        return {}
    wanted = {d.isoformat() for d in drop_days}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        index = header.index(column)
        kept: list[list[str]] = []
        moved: dict[str, list[list[str]]] = {}
        ids: dict[str, str] = {}
        for row in reader:
            day = day_of.get(row[index], "") if day_of is not None else row[index][:10]
            if day in wanted:
                moved.setdefault(day, []).append(row)
                ids[row[0]] = day
            else:
                kept.append(row)
    write_csv(path, header, kept)
    relative = path.relative_to(out / "initial")
    for day, rows in moved.items():
        write_csv(_day_file(out, day, relative), header, rows)
    return ids


def _repeat(path: Path, column: str, out: Path, drop_days: list[dt.date]) -> None:
    """Export again, in each drop day's folder, the records `column` dates on that day."""
    if not path.is_file():
        return
    wanted = {d.isoformat() for d in drop_days}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        index = header.index(column)
        changed: dict[str, list[list[str]]] = {}
        for row in reader:
            if row[index][:10] in wanted:
                changed.setdefault(row[index][:10], []).append(row)
    relative = path.relative_to(out / "initial")
    for day, rows in changed.items():
        write_csv(_day_file(out, day, relative), header, rows)


def _day_file(out: Path, day: str, relative: Path) -> Path:
    return out / f"day-{day}" / relative.parent / f"{relative.stem}_{day}{relative.suffix}"


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """A CSV export (UTF-8, `\\n` line ends) of `header` and `rows`, its folder created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
