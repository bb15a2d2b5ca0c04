"""Tax readers: the report and charged lines from gold, discrepancies, rates, VAT checks.

The report comes straight from gold (`rpt_tax_by_period_jurisdiction`, what was billed).
Discrepancies re-derive every line's tax from the rate tables and the workspace's tax
settings with revlake.finance.tax and list the lines that differ, decided per group of
lines (revlake.queries.tax_check; per line, revlake.queries.tax_lines, is the reference
and the fallback); they are memoised per snapshot, settings and override-file version.
The CLI (`revlake tax`) uses the same functions.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from revlake.finance.tax import (
    Discrepancy,
    RateTable,
    TaxProfile,
    TaxRate,
    check_vat_number,
    normalise_jurisdiction,
    override_stamp,
)
from revlake.queries.params import PageParams, month_range_sql, where
from revlake.queries.tax_check import grouped_discrepancies
from revlake.queries.tax_lines import charged_lines as charged_lines
from revlake.queries.tax_lines import checked_per_line
from revlake.queries.tax_lines import iter_charged_lines as iter_charged_lines
from revlake.reader import Build, tables
from revlake.schemas.tax import (
    TaxCurrencyTotal,
    TaxDiscrepancyOut,
    TaxDiscrepancyPage,
    TaxRateOut,
    TaxRates,
    TaxReport,
    TaxReportRow,
    VatCheckOut,
)

REPORT_TABLE = tables.TAX_REPORT
_HINT = "run `revlake build` to add the tax tables"
_ZERO = Decimal("0.00")
DEFAULT_MONTHS = 12
"""Months of the tax page's default view: the last ones with tax (`default_range`)."""


def _dec(value: Any) -> Decimal:
    return _ZERO if value is None else Decimal(value)


def tax_report(
    snapshot: Build,
    start: date | None,
    end: date | None,
    jurisdiction: str | None,
    reporting_currency: str,
) -> TaxReport:
    """The report rows for months `start`..`end` (first days), one jurisdiction or all."""
    snapshot.require(REPORT_TABLE, hint=_HINT)
    code = normalise_jurisdiction(jurisdiction) if jurisdiction else None
    conditions, params = month_range_sql("tax_period", start, end)
    if code is not None:
        conditions.append("jurisdiction = ?")
        params.append(code)

    def compute() -> TaxReport:
        rows = snapshot.rows(
            f"select * from gold.{REPORT_TABLE} {where(conditions)} "
            "order by tax_period, jurisdiction, currency",
            params,
        )
        out = [
            TaxReportRow(
                period=r["tax_period"],
                jurisdiction=str(r["jurisdiction"]),
                tax_kind=str(r["tax_kind"]),
                currency=str(r["currency"]),
                taxable_net=_dec(r["taxable_net"]),
                tax_charged=_dec(r["tax_charged"]),
                reverse_charged_net=_dec(r["reverse_charged_net"]),
                untaxed_net=_dec(r["untaxed_net"]),
                line_count=int(r["line_count"]),
                reverse_charge_line_count=int(r["reverse_charge_line_count"]),
                taxable_net_rc=_dec(r["taxable_net_rc"]),
                tax_charged_rc=_dec(r["tax_charged_rc"]),
                reverse_charged_net_rc=_dec(r["reverse_charged_net_rc"]),
            )
            for r in rows
        ]
        sums: dict[str, list[Decimal]] = defaultdict(lambda: [_ZERO, _ZERO, _ZERO, Decimal(0)])
        for row in out:
            acc = sums[row.currency]
            acc[0] += row.taxable_net
            acc[1] += row.tax_charged
            acc[2] += row.reverse_charged_net
            acc[3] += row.line_count
        totals = [
            TaxCurrencyTotal(
                currency=currency,
                taxable_net=acc[0],
                tax_charged=acc[1],
                reverse_charged_net=acc[2],
                line_count=int(acc[3]),
            )
            for currency, acc in sorted(sums.items())
        ]
        currency = str(rows[0]["reporting_currency"]) if rows else reporting_currency
        return TaxReport(
            reporting_currency=currency,
            from_period=start,
            to_period=end,
            jurisdiction=code,
            rows=out,
            totals=totals,
            tax_charged_rc=sum((r.tax_charged_rc for r in out), _ZERO),
            taxable_net_rc=sum((r.taxable_net_rc for r in out), _ZERO),
            reverse_charged_net_rc=sum((r.reverse_charged_net_rc for r in out), _ZERO),
        )

    return snapshot.memo(("tax-report", start, end, code), compute)


def default_range(everything: TaxReport) -> tuple[date | None, date | None]:
    """The tax page's default months (first days): the last `DEFAULT_MONTHS` up to the
    newest period of `everything` (the report of all months); (None, None) without tax."""
    if not everything.rows:
        return None, None
    end = max(r.period for r in everything.rows)
    index = end.year * 12 + end.month - 1 - (DEFAULT_MONTHS - 1)
    return date(index // 12, index % 12 + 1, 1), end


def all_discrepancies(
    snapshot: Build, table: RateTable, profile: TaxProfile, workspace_root: Path
) -> tuple[int, list[Discrepancy]]:
    """(lines checked, discrepancies) for the snapshot, memoised per rates and settings.

    Decided per group of lines (`revlake.queries.tax_check`): the same answer as the
    engine run on every line (`checked_per_line`), which is what a build or rates the
    grouped check does not handle fall back to."""

    def compute() -> tuple[int, list[Discrepancy]]:
        grouped = grouped_discrepancies(snapshot, table, profile)
        return grouped if grouped is not None else checked_per_line(snapshot, table, profile)

    key = ("tax-discrepancies", profile, override_stamp(workspace_root))
    return snapshot.memo(key, compute)


def _discrepancy_out(d: Discrepancy) -> TaxDiscrepancyOut:
    return TaxDiscrepancyOut(
        invoice_line_id=d.invoice_line_id,
        invoice_id=d.invoice_id,
        invoice_date=d.tax_date,
        customer_country=d.customer_country,
        jurisdiction=d.jurisdiction,
        currency=d.net.currency,
        net=d.net.amount,
        charged_tax=d.charged_tax.amount,
        expected_tax=None if d.expected_tax is None else d.expected_tax.amount,
        charged_rate=d.charged_rate,
        expected_rate=d.expected_rate,
        reason=d.reason,
    )


def discrepancy_page(
    snapshot: Build,
    table: RateTable,
    profile: TaxProfile,
    workspace_root: Path,
    page: PageParams,
) -> TaxDiscrepancyPage:
    """One page of the discrepancy list (oldest invoice first)."""
    checked, found = all_discrepancies(snapshot, table, profile, workspace_root)
    items = found[page.offset : page.offset + page.limit]
    end = page.offset + len(items)
    return TaxDiscrepancyPage(
        items=[_discrepancy_out(d) for d in items],
        total=len(found),
        limit=page.limit,
        offset=page.offset,
        next_offset=end if end < len(found) else None,
        lines_checked=checked,
        snapshot=snapshot.name,
    )


def _rate_out(row: TaxRate) -> TaxRateOut:
    return TaxRateOut(
        jurisdiction=row.jurisdiction,
        kind=row.kind.value,
        rate=row.rate,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        note=row.note,
        source=row.source,
    )


def rates(table: RateTable, jurisdiction: str | None, day: date | None) -> TaxRates:
    """Every row of one jurisdiction (or all), or only the rows in force on `day`."""
    codes = [table.require(jurisdiction)] if jurisdiction is not None else table.jurisdictions()
    if day is not None:
        if jurisdiction is not None:
            return TaxRates(date=day, items=[_rate_out(table.rate(codes[0], day))])
        in_force = []
        for code in codes:
            row = next((r for r in table.rows(code) if r.covers(day)), None)
            if row is not None:
                in_force.append(_rate_out(row))
        return TaxRates(date=day, items=in_force)
    return TaxRates(date=None, items=[_rate_out(r) for c in codes for r in table.rows(c)])


def vat_check(number: str, country: str | None) -> VatCheckOut:
    """Check a VAT number offline (format and check digits); nothing is written."""
    result = check_vat_number(number, country)
    return VatCheckOut(
        number=result.number,
        compact=result.compact,
        country=result.country,
        valid=result.valid,
        reason=result.reason,
    )
