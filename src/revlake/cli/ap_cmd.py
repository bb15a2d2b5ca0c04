"""`revlake ap aging` and `revlake bank reconcile`: payables and bank reconciliation.

Thin wrappers over revlake.queries.ap (the API uses the same functions), reading the
tenant's published snapshot.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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

if TYPE_CHECKING:
    from revlake.reader import Build

ap_app = typer.Typer(name="ap", help="Accounts payable: vendor bill aging.", no_args_is_help=True)
bank_app = typer.Typer(name="bank", help="Bank statement reconciliation.", no_args_is_help=True)


def _parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option}: expected a date YYYY-MM-DD, got {value!r}") from None


@contextmanager
def _snapshot(workspace: Path, tenant: str | None) -> Iterator[tuple[str, Build]]:
    """The tenant's published snapshot (and the tenant id), released afterwards."""
    from revlake.reader import open_published

    opened = open_workspace(workspace)
    tenant_id = resolve_tenant(opened, tenant)
    with open_published(opened, tenant_id) as snapshot:
        yield tenant_id, snapshot


def aging(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date YYYY-MM-DD; default: the data's last")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
) -> None:
    """Print open vendor balances by aging bucket and vendor."""
    from revlake.queries.ap import ap_aging

    day = _parse_day(as_of, "--as-of")
    with _snapshot(workspace, tenant) as (tenant_id, snapshot):
        result = ap_aging(snapshot, day)
    if as_json:
        console.print_json(result.model_dump_json())
        return
    out = Table(title=f"AP aging · tenant {tenant_id} · as of {result.as_of} ({result.currency})")
    out.add_column("vendor")
    for b in result.buckets:
        out.add_column(b.bucket, justify="right")
    out.add_column("total", justify="right")
    for v in result.vendors:
        out.add_row(
            v.vendor_name, *(f"{v.buckets[b.bucket]:,}" for b in result.buckets), f"{v.total:,}"
        )
    out.add_row("[b]total[/]", *(f"{b.amount:,}" for b in result.buckets), f"{result.total_open:,}")
    console.print(out)
    console.print(f"{result.open_bills} open bills, {result.total_open:,} {result.currency}")


def reconcile(
    from_: Annotated[str | None, typer.Option("--from", help="First bank date YYYY-MM-DD")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last bank date YYYY-MM-DD")] = None,
    window_days: Annotated[
        int, typer.Option("--window-days", help="Date tolerance in days (0-60)")
    ] = 5,
    limit: Annotated[int, typer.Option("--limit", help="Rows shown per list")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
) -> None:
    """Match bank lines to payments; print counts, ambiguous and unmatched lines."""
    from revlake.queries.ap import bank_reconciliation, stored_resolutions
    from revlake.store.workspace_store import open_store

    if limit < 1:
        raise InputError(f"--limit must be at least 1, got {limit}")
    start, end = _parse_day(from_, "--from"), _parse_day(to, "--to")
    with _snapshot(workspace, tenant) as (tenant_id, snapshot):
        store = open_store(open_workspace(workspace))
        try:
            with store.read() as session:
                resolutions, stamp = stored_resolutions(session, tenant_id)
        finally:
            store.dispose()
        result = bank_reconciliation(snapshot, start, end, window_days, limit, resolutions, stamp)
    if as_json:
        console.print_json(result.model_dump_json())
        return
    c = result.counts
    console.print(
        f"Bank reconciliation · tenant {tenant_id} · window ±{result.window_days} days: "
        f"{c.matched} matched, {c.ambiguous} ambiguous, {c.unmatched_bank_lines} unmatched "
        f"bank lines, {c.unmatched_payments} unmatched payments, {c.dismissed} dismissed"
    )
    if result.rules:
        console.print("rules: " + ", ".join(f"{k} {v}" for k, v in result.rules.items()))
    if result.ambiguous:
        table = Table(title="Ambiguous (several equally good candidates)")
        for col in ("date", "amount", "reference", "candidates"):
            table.add_column(col)
        for a in result.ambiguous:
            table.add_row(
                str(a.bank_line.date),
                f"{a.bank_line.amount:,} {a.bank_line.currency}",
                a.bank_line.reference or "",
                ", ".join(p.payment_id for p in a.candidates),
            )
        console.print(table)
    if result.unmatched_bank_lines:
        table = Table(title="Unmatched bank lines")
        for col in ("date", "amount", "description", "reference"):
            table.add_column(col)
        for ln in result.unmatched_bank_lines:
            table.add_row(
                str(ln.date),
                f"{ln.amount:,} {ln.currency}",
                ln.description or "",
                ln.reference or "",
            )
        console.print(table)
    if result.unmatched_payments:
        table = Table(title="Unmatched payments")
        for col in ("date", "kind", "id", "amount", "document"):
            table.add_column(col)
        for p in result.unmatched_payments:
            table.add_row(
                str(p.date),
                p.payment_kind,
                p.payment_id,
                f"{p.amount:,} {p.currency}",
                p.document_number or "",
            )
        console.print(table)


def register(app: typer.Typer) -> None:
    ap_app.command("aging")(aging)
    bank_app.command("reconcile")(reconcile)
    app.add_typer(ap_app, name="ap")
    app.add_typer(bank_app, name="bank")
