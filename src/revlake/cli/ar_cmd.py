"""`revlake ar aging|overdue|dso|note|notes`: receivables from the published build.

Thin wrappers over `revlake.finance.receivables` (aging, overdue list, DSO, collection
notes); a note is written to the operational store and the audit log as the shell user.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from revlake.cli.common import (
    TenantOption,
    WorkspaceOption,
    console,
    open_workspace,
    resolve_tenant,
)
from revlake.errors import InputError

ar_app = typer.Typer(
    name="ar",
    help="Accounts receivable: aging, overdue invoices, DSO and collection notes.",
    no_args_is_help=True,
)

AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Date YYYY-MM-DD (default: the last balance event)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def parse_day(value: str | None, option: str) -> dt.date | None:
    """A YYYY-MM-DD option value as a date, or an InputError naming the option."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"{option}: expected a date YYYY-MM-DD, got {value!r}") from None


@contextmanager
def _reader(workspace: Path, tenant: str | None) -> Iterator[tuple[Any, str, Any]]:
    """(workspace, tenant id, the published snapshot opened read-only)."""
    from revlake.reader import open_published

    opened = open_workspace(workspace)
    tenant_id = resolve_tenant(opened, tenant)
    with open_published(opened, tenant_id) as reader:
        yield opened, tenant_id, reader


def _money(value: Any) -> str:
    return f"{value:,.2f}"


def aging(
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    as_of: AsOfOption = None,
    by_customer: Annotated[
        bool, typer.Option("--by-customer", help="One row per customer and currency.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Receivables aging on a date: open balances by bucket, per currency and in total."""
    from revlake.finance.receivables import AGING_BUCKETS
    from revlake.finance.receivables import aging as compute
    from revlake.queries.ar import aging_report_dict

    day = parse_day(as_of, "--as-of")
    with _reader(workspace, tenant) as (_, _, reader):
        report = compute(reader, day, by_customer=by_customer)
    if as_json:
        typer.echo(json.dumps(aging_report_dict(report), indent=2))
        return
    rows = [*report.by_currency, report.total_rc]
    if report.by_customer is not None:
        rows = [*report.by_customer, *rows]
    table = Table(
        title=f"receivables aging on {report.as_of} (total in {report.reporting_currency})",
        title_justify="left",
    )
    table.add_column("customer" if by_customer else "currency")
    table.add_column("cur")
    for bucket in AGING_BUCKETS:
        table.add_column(bucket, justify="right")
    table.add_column("total", justify="right")
    table.add_column("invoices", justify="right")
    for row in rows:
        label = row.customer_name or row.customer_id or ("total" if row is report.total_rc else "")
        table.add_row(
            label,
            row.currency,
            *(_money(row.buckets[b]) for b in AGING_BUCKETS),
            _money(row.total),
            str(row.invoices),
        )
    console.print(table)
    if report.missing_rates:
        console.print(f"no FX rate for {', '.join(report.missing_rates)}: left out of the total")


def overdue(
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    as_of: AsOfOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Rows to print.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """Overdue invoices on a date, most days late first, with contact and last attempt."""
    from revlake.finance.receivables import overdue as compute
    from revlake.finance.receivables import resolve_as_of
    from revlake.queries.ar import overdue_dict

    day = parse_day(as_of, "--as-of")
    with _reader(workspace, tenant) as (_, _, reader):
        resolved = resolve_as_of(reader, day)
        items = compute(reader, resolved)
    if as_json:
        typer.echo(json.dumps(overdue_dict(resolved, items), indent=2))
        return
    table = Table(title=f"{len(items)} overdue invoices on {resolved}", title_justify="left")
    for column in ("invoice", "customer", "email", "due", "days late", "open", "last attempt"):
        table.add_column(column, justify="right" if column in ("days late", "open") else "left")
    for inv in items[:limit]:
        attempt = ""
        if inv.last_attempt_at is not None:
            attempt = f"{inv.last_attempt_at:%Y-%m-%d} {inv.last_attempt_status or ''}"
            if inv.last_failure_code:
                attempt += f" ({inv.last_failure_code})"
        table.add_row(
            inv.invoice_number or inv.invoice_id,
            inv.customer_name or inv.customer_id,
            inv.customer_email or "",
            str(inv.due_date or ""),
            str(inv.days_past_due),
            f"{_money(inv.open_balance)} {inv.currency}",
            attempt + (" uncollectible" if inv.is_uncollectible else ""),
        )
    console.print(table)


def dso(
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    start: Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last month, YYYY-MM-DD.")] = None,
) -> None:
    """Monthly DSO = receivables ÷ revenue billed in the month × days in the month."""
    from revlake.finance.receivables import dso as compute

    with _reader(workspace, tenant) as (_, _, reader):
        points = compute(reader, parse_day(start, "--from"), parse_day(end, "--to"))
    table = Table(title="days sales outstanding", title_justify="left")
    for column in ("month end", "receivables", "billed", "DSO days", "overdue"):
        table.add_column(column, justify="left" if column == "month end" else "right")
    for p in points:
        table.add_row(
            str(p.month_end),
            f"{_money(p.receivables)} {p.reporting_currency}",
            _money(p.billed),
            "n/a" if p.dso_days is None else f"{p.dso_days}",
            str(p.overdue_invoices),
        )
    console.print(table)


def note(
    invoice_id: Annotated[str, typer.Argument(help="The invoice id (in_…).")],
    status: Annotated[
        str,
        typer.Option(
            "--status",
            help="contacted, promised, disputed, escalated, written_off or resolved.",
        ),
    ],
    text: Annotated[str, typer.Option("--text", help="What happened.")] = "",
    promised_date: Annotated[
        str | None, typer.Option("--promised-date", help="With --status promised: YYYY-MM-DD.")
    ] = None,
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
) -> None:
    """Add a collection note to an invoice (stored and audited as the shell user)."""
    from revlake.cli.store_cmd import cli_actor
    from revlake.finance.receivables import add_collection_note
    from revlake.store.collections import NoteInput
    from revlake.store.tenants import sync_tenants
    from revlake.store.workspace_store import open_store

    promised = parse_day(promised_date, "--promised-date")
    with _reader(workspace, tenant) as (opened, tenant_id, reader):
        store = open_store(opened)
        try:
            with store.write() as session:  # a tenant of revlake.toml the store lacks
                sync_tenants(session, opened.settings.tenants, actor="revlake.toml")
            stored = add_collection_note(
                store,
                reader,
                tenant_id=tenant_id,
                note=NoteInput(
                    invoice_id=invoice_id, status=status, text=text, promised_date=promised
                ),
                author=cli_actor(),
            )
        finally:
            store.dispose()
    console.print(
        f"note {stored.id} on {stored.invoice_id}: {stored.status}"
        + (f" (promised {stored.promised_date})" if stored.promised_date else ""),
        highlight=False,
    )


def notes(
    invoice_id: Annotated[str, typer.Argument(help="The invoice id (in_…).")],
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
) -> None:
    """List the collection notes of an invoice, oldest first."""
    from revlake.store.collections import list_notes
    from revlake.store.workspace_store import open_store

    opened = open_workspace(workspace)
    tenant_id = resolve_tenant(opened, tenant)
    store = open_store(opened)
    try:
        with store.read() as session:
            found = list_notes(session, tenant_id=tenant_id, invoice_id=invoice_id)
            lines = [
                f"{n.created_at:%Y-%m-%d %H:%M} {n.status:<11} {n.author}: {n.text}"
                + (f" (promised {n.promised_date})" if n.promised_date else "")
                for n in found
            ]
    finally:
        store.dispose()
    if not lines:
        console.print(f"no notes on {invoice_id}")
    for line in lines:
        console.print(line, highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    """Add `ar aging|overdue|dso|note|notes` to the root app."""
    ar_app.command("aging")(aging)
    ar_app.command("overdue")(overdue)
    ar_app.command("dso")(dso)
    ar_app.command("note")(note)
    ar_app.command("notes")(notes)
    app.add_typer(ar_app, name="ar")
