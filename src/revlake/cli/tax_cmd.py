"""`revlake tax`: look up a rate, check a VAT number, print the tax report of a tenant.

Thin wrappers over revlake.queries.tax and revlake.finance.tax (the API uses the same
functions). `rate` reads the workspace's config/tax_rates.csv overrides when run inside a
workspace, the shipped tables otherwise.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from revlake.cli.common import (
    TenantOption,
    WorkspaceOption,
    console,
    open_workspace,
    resolve_tenant,
)
from revlake.config import CONFIG_FILE_NAME
from revlake.errors import InputError

tax_app = typer.Typer(
    name="tax",
    help="VAT/GST/sales tax: rates, VAT number checks, the tax report.",
    no_args_is_help=True,
)


def _parse_day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option}: expected a date YYYY-MM-DD, got {value!r}") from None


def rate(
    jurisdiction: Annotated[
        str, typer.Option("--jurisdiction", "-j", help="DE, GB, CA-ON, US-NY…")
    ],
    on: Annotated[
        str | None, typer.Option("--date", "-d", help="Date YYYY-MM-DD; omitted: every row")
    ] = None,
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Print the rate in force in a jurisdiction on a date (or all its rows)."""
    from revlake.finance.tax import load_rate_table
    from revlake.queries.tax import rates

    root = workspace if (workspace / CONFIG_FILE_NAME).is_file() else None
    table = load_rate_table(root)
    result = rates(table, jurisdiction, _parse_day(on, "--date") if on else None)
    out = Table(title=f"Tax rates · {jurisdiction.upper()}" + (f" on {on}" if on else ""))
    for column in ("jurisdiction", "kind", "rate %", "from", "to", "source", "note"):
        out.add_column(column)
    for row in result.items:
        out.add_row(
            row.jurisdiction,
            row.kind,
            f"{row.rate}",
            row.valid_from.isoformat(),
            row.valid_to.isoformat() if row.valid_to else "",
            row.source,
            row.note,
        )
    console.print(out)


def check_vat(
    number: Annotated[
        str, typer.Argument(help="VAT number with its country prefix, e.g. DE136695976")
    ],
    country: Annotated[
        str | None, typer.Option("--country", help="The customer's country the number must match")
    ] = None,
) -> None:
    """Check a VAT number's format and check digits (offline: no VIES lookup). Exit 2 if invalid."""
    from revlake.queries.tax import vat_check

    result = vat_check(number, country)
    if result.valid:
        console.print(f"[green]valid[/] {result.compact} ({result.country}): {result.reason}")
        return
    raise InputError(f"malformed VAT number {number!r}: {result.reason}")


def report(
    from_: Annotated[str | None, typer.Option("--from", help="First month YYYY-MM")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last month YYYY-MM")] = None,
    jurisdiction: Annotated[str | None, typer.Option("--jurisdiction", "-j")] = None,
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
) -> None:
    """Print the tax report (per month, jurisdiction and currency) of the published build."""
    from revlake.queries.params import parse_month
    from revlake.queries.revenue import reporting_currency
    from revlake.queries.tax import tax_report
    from revlake.reader import open_published

    opened = open_workspace(workspace)
    tenant_id = resolve_tenant(opened, tenant)
    start, end = parse_month(from_, "--from"), parse_month(to, "--to")
    with open_published(opened, tenant_id) as snapshot:
        result = tax_report(snapshot, start, end, jurisdiction, reporting_currency(snapshot))
    out = Table(title=f"Tax report · tenant {tenant_id}")
    for column in (
        "period",
        "jurisdiction",
        "kind",
        "currency",
        "taxable net",
        "tax",
        "reverse-charged net",
        "lines",
    ):
        out.add_column(
            column,
            justify="right"
            if column in ("taxable net", "tax", "reverse-charged net", "lines")
            else "left",
        )
    for row in result.rows:
        out.add_row(
            f"{row.period:%Y-%m}",
            row.jurisdiction,
            row.tax_kind,
            row.currency,
            f"{row.taxable_net:,}",
            f"{row.tax_charged:,}",
            f"{row.reverse_charged_net:,}",
            str(row.line_count),
        )
    console.print(out)
    for total in result.totals:
        console.print(
            f"{total.currency}: taxable {total.taxable_net:,}, tax {total.tax_charged:,}, "
            f"reverse-charged {total.reverse_charged_net:,} over {total.line_count} lines"
        )
    console.print(f"tax charged in {result.reporting_currency}: {result.tax_charged_rc:,}")


def register(app: typer.Typer) -> None:
    tax_app.command("rate")(rate)
    tax_app.command("check-vat")(check_vat)
    tax_app.command("report")(report)
    app.add_typer(tax_app, name="tax")
