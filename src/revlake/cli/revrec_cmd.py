"""`revlake revrec`: allocation, contracts entered by finance, schedules and roll-forward.

`allocate` is ASC 606 step 4 on its own. `contracts add|list|show|modify` keep contracts
in the workspace's store (revlake.finance.contract_store, every write audited);
`schedule` and `rollforward` read billing-driven recognition from the tenant's published
build (revlake.finance.revrec_reports) and add the contracts. Thin layer: each command
calls one library function the tests also call.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
from revlake.finance.allocation import (
    Allocation,
    allocate_transaction_price,
    parse_names,
    parse_obligation,
)
from revlake.finance.money import Money, currency_code

if TYPE_CHECKING:
    from revlake.finance.contract_store import StoredContract
    from revlake.reader import Build
    from revlake.store.db import Store

revrec_app = typer.Typer(
    name="revrec",
    help="Revenue recognition (ASC 606 / IFRS 15).",
    no_args_is_help=True,
)


def _amount(money: Money) -> str:
    return f"{money.amount:,.{money.digits}f}"


def render_allocation(result: Allocation) -> None:
    """Print the allocation table with a totals row."""
    price = result.transaction_price
    spread = (
        "spread over all obligations"
        if not result.discount_to
        else f"allocated to {', '.join(result.discount_to)} (ASC 606-10-32-37)"
    )
    kind = "discount" if not result.discount.is_negative else "premium over SSP"
    table = Table(title=f"Allocation of {price} by relative standalone selling price")
    table.add_column("obligation")
    table.add_column(f"SSP ({price.currency})", justify="right")
    table.add_column("share of SSP", justify="right")
    table.add_column(f"discount ({price.currency})", justify="right")
    table.add_column(f"allocated ({price.currency})", justify="right")
    for line in result.lines:
        table.add_row(
            line.name,
            _amount(line.ssp),
            f"{100 * line.ssp_share:.2f}%",
            _amount(line.discount),
            _amount(line.allocated),
        )
    table.add_section()
    table.add_row(
        "total",
        _amount(result.total_ssp),
        "100.00%",
        _amount(result.discount),
        _amount(result.total_allocated),
        style="bold",
    )
    console.print(table)
    console.print(f"Bundle {kind} of {_amount(abs(result.discount))} {price.currency}: {spread}.")


def allocate(
    price: Annotated[str, typer.Option("--price", help="Transaction price, e.g. 100000.")],
    obligation: Annotated[
        list[str],
        typer.Option(
            "--obligation",
            help="Performance obligation as NAME=SSP (repeat for each), e.g. license=60000.",
        ),
    ],
    currency: Annotated[
        str, typer.Option("--currency", help="ISO 4217 currency of the price and SSPs.")
    ] = "USD",
    discount_to: Annotated[
        str | None,
        typer.Option(
            "--discount-to",
            help="Comma-separated obligations the whole bundle discount belongs to "
            "(only with observable evidence, ASC 606-10-32-37). Default: spread over all.",
        ),
    ] = None,
) -> None:
    """Allocate a transaction price over performance obligations and print the table."""
    code = currency_code(currency)
    if not obligation:
        raise InputError("give at least one --obligation NAME=SSP")
    total = Money(price, code)
    obligations = [parse_obligation(text, code) for text in obligation]
    names = None if discount_to is None else parse_names(discount_to)
    render_allocation(allocate_transaction_price(total, obligations, discount_to=names))


# --- contracts, schedule, roll-forward ------------------------------------------------

contracts_app = typer.Typer(
    help="Contracts entered by finance: obligations, price, modifications (audited).",
    no_args_is_help=True,
)
FileOption = Annotated[
    Path,
    typer.Option("--file", "-f", help="Contract document, .json or .toml (see docs/FINANCE.md)."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


@contextmanager
def _tenant_store(workspace: Path, tenant: str | None) -> Iterator[tuple[Store, str]]:
    from revlake.store.tenants import sync_tenants
    from revlake.store.workspace_store import open_store

    opened = open_workspace(workspace)
    tenant_id = resolve_tenant(opened, tenant)
    store = open_store(opened)
    try:
        with store.write() as session:
            # a workspace made by `revlake init` lists its tenants in revlake.toml only
            sync_tenants(session, opened.settings.tenants, actor="revlake.toml")
        yield store, tenant_id
    finally:
        store.dispose()


def _money(amount: Money) -> str:
    return f"{amount.amount:,.{amount.digits}f}"


def render_contract(stored: StoredContract) -> None:
    """Print a contract's allocation per segment and its schedule (obligation × month)."""
    schedule = stored.schedule()
    contract = stored.contract
    console.print(
        f"[bold]Contract {stored.id}[/] {contract.reference} "
        f"({contract.customer_name or contract.customer_id or 'no customer'}), "
        f"{contract.start.isoformat()} - {contract.end.isoformat()}, transaction price "
        f"{contract.transaction_price}"
    )
    for segment in schedule.segments:
        label = "inception" if segment.modification is None else "modification"
        table = Table(
            title=f"Allocation from {segment.start.isoformat()} ({label}): {segment.consideration}"
        )
        table.add_column("obligation")
        table.add_column(f"SSP ({contract.currency})", justify="right")
        table.add_column(f"allocated ({contract.currency})", justify="right")
        for line in segment.allocation.lines:
            table.add_row(line.name, _money(line.ssp), _money(line.allocated))
        console.print(table)
    names = schedule.obligations
    table = Table(title=f"Recognition schedule ({contract.currency})")
    table.add_column("month")
    for name in names:
        table.add_column(name, justify="right")
    table.add_column("total", justify="right")
    cells: dict[tuple[str, Any], Money] = {(r.obligation, r.month): r.amount for r in schedule.rows}
    for month, total in schedule.by_month():
        zero = Money.zero(contract.currency)
        table.add_row(
            month.strftime("%Y-%m"),
            *(_money(cells.get((name, month), zero)) for name in names),
            _money(total),
        )
    table.add_section()
    totals = schedule.by_obligation()
    table.add_row(
        "total",
        *(_money(totals[name]) for name in names),
        _money(schedule.total_consideration),
        style="bold",
    )
    console.print(table)


@contracts_app.command("add")
def contracts_add(
    file: FileOption,
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
) -> None:
    """Validate a contract file and store it (audited); prints its allocation and schedule."""
    from revlake.cli.store_cmd import cli_actor
    from revlake.finance.contract_store import add_contract
    from revlake.finance.contracts import load_document

    document = load_document(file)
    with _tenant_store(workspace, tenant) as (store, tenant_id), store.write() as session:
        stored = add_contract(session, tenant_id, document, actor=cli_actor())
    console.print(f"Added contract [bold]{stored.id}[/] ({stored.contract.reference})")
    render_contract(stored)


@contracts_app.command("list")
def contracts_list(
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    as_json: JsonFlag = False,
) -> None:
    """List the tenant's contracts with price, recognised to date and still unrecognised."""
    from revlake.finance.contract_store import list_contracts
    from revlake.queries.revrec import contract_summary
    from revlake.schemas.revrec import ContractList

    with _tenant_store(workspace, tenant) as (store, tenant_id), store.read() as session:
        contracts = list_contracts(session, tenant_id)
    today = dt.date.today()
    if as_json:
        listed = ContractList(items=[contract_summary(c, today) for c in contracts])
        typer.echo(json.dumps(listed.model_dump(mode="json"), indent=2))
        return
    rows = []
    for stored in contracts:
        schedule = stored.schedule()
        rows.append(
            {
                "id": stored.id,
                "reference": stored.contract.reference,
                "customer": stored.contract.customer_name or stored.contract.customer_id or "",
                "currency": stored.contract.currency,
                "start": stored.contract.start.isoformat(),
                "end": stored.contract.end.isoformat(),
                "consideration": str(schedule.total_consideration.amount),
                "recognised_to_date": str(schedule.recognised_through(today).amount),
                "modifications": len(stored.modifications),
            }
        )
    table = Table(
        "id",
        "reference",
        "customer",
        "currency",
        "start",
        "end",
        "consideration",
        f"recognised to {today.isoformat()}",
        "modifications",
        title=f"Contracts of tenant {tenant_id}",
    )
    for r in rows:
        table.add_row(*(str(v) for v in r.values()))
    console.print(table)
    if not rows:
        console.print("No contracts yet: add one with `revlake revrec contracts add --file`.")


@contracts_app.command("show")
def contracts_show(
    contract_id: Annotated[int, typer.Argument(metavar="ID", help="Contract id.")],
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Print a contract's allocation and monthly recognition schedule."""
    from revlake.finance.contract_store import load_contract
    from revlake.queries.revrec import contract_detail

    with _tenant_store(workspace, tenant) as (store, tenant_id), store.read() as session:
        stored = load_contract(session, tenant_id, contract_id)
    if as_json:
        detail = contract_detail(stored, dt.date.today())
        typer.echo(json.dumps(detail.model_dump(mode="json"), indent=2))
        return
    render_contract(stored)


@contracts_app.command("modify")
def contracts_modify(
    contract_id: Annotated[int, typer.Argument(metavar="ID", help="Contract id.")],
    file: FileOption,
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
) -> None:
    """Apply a modification file prospectively (audited) and print the new schedule."""
    from revlake.cli.store_cmd import cli_actor
    from revlake.finance.contract_store import add_modification
    from revlake.finance.contracts import load_document

    document = load_document(file)
    with _tenant_store(workspace, tenant) as (store, tenant_id), store.write() as session:
        stored = add_modification(session, tenant_id, contract_id, document, actor=cli_actor())
    console.print(
        f"Modified contract [bold]{contract_id}[/] from "
        f"{stored.modifications[-1].effective.isoformat()}"
    )
    render_contract(stored)


@contracts_app.command("progress")
def contracts_progress(
    contract_id: Annotated[int, typer.Argument(metavar="ID", help="Contract id.")],
    obligation: Annotated[str, typer.Option("--obligation", help="Obligation name.")],
    on: Annotated[str, typer.Option("--date", help="Measurement date, YYYY-MM-DD.")],
    percent: Annotated[str, typer.Option("--percent", help="Cumulative percent complete.")],
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
) -> None:
    """Record a progress measurement of a percentage-of-completion obligation (audited)."""
    from revlake.cli.store_cmd import cli_actor
    from revlake.finance.contract_store import add_progress

    try:
        day = dt.date.fromisoformat(on.strip())
    except ValueError:
        raise InputError(f"--date {on!r}: expected a date YYYY-MM-DD") from None
    with _tenant_store(workspace, tenant) as (store, tenant_id), store.write() as session:
        stored = add_progress(
            session, tenant_id, contract_id, obligation, day, percent, actor=cli_actor()
        )
    console.print(
        f"Recorded {obligation} at {percent}% on {day.isoformat()} for contract {contract_id}"
    )
    render_contract(stored)


def _snapshot(workspace: Path, tenant: str | None) -> tuple[Build, str]:
    """The tenant's published build, opened read-only (close it), and the tenant id."""
    from revlake.reader import open_published

    opened = open_workspace(workspace)
    tenant_id = resolve_tenant(opened, tenant)
    return open_published(opened, tenant_id), tenant_id


def schedule(
    as_of: Annotated[
        str, typer.Option("--as-of", help="A month end, YYYY-MM-DD: the balance date.")
    ],
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Deferred revenue at a month end: billing (published build) plus contracts (store)."""
    from revlake.finance.contract_store import contracts_as_of
    from revlake.finance.revrec_reports import check_month_end, deferred_revenue_as_of

    try:
        day = dt.date.fromisoformat(as_of.strip())
    except ValueError:
        raise InputError(f"--as-of {as_of!r}: expected a date YYYY-MM-DD") from None
    check_month_end(day, field="--as-of")
    build, tenant_id = _snapshot(workspace, tenant)
    with build:
        billing = deferred_revenue_as_of(build, day)
    with _tenant_store(workspace, tenant_id) as (store, _), store.read() as session:
        positions = contracts_as_of(session, tenant_id, day)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "as_of": day.isoformat(),
                    "billing_deferred": {c: str(v) for c, v in billing.totals().items()},
                    "contracts": [
                        {
                            "id": p.stored.id,
                            "reference": p.stored.contract.reference,
                            "currency": p.stored.contract.currency,
                            "recognised_to_date": str(p.recognised_to_date.amount),
                            "unrecognised": str(p.unrecognised.amount),
                        }
                        for p in positions
                    ],
                },
                indent=2,
            )
        )
        return
    table = Table(title=f"Billing-driven deferred revenue at {day.isoformat()} ({tenant_id})")
    table.add_column("currency")
    table.add_column("customers", justify="right")
    table.add_column("deferred", justify="right")
    counts: dict[str, int] = {}
    for balance in billing.balances:
        if balance.deferred:
            counts[balance.currency] = counts.get(balance.currency, 0) + 1
    for currency, total in billing.totals().items():
        table.add_row(currency, str(counts.get(currency, 0)), f"{total:,.2f}")
    console.print(table)
    contracts = Table(title=f"Contracts at {day.isoformat()}")
    for column in ("id", "reference", "currency"):
        contracts.add_column(column)
    contracts.add_column("recognised to date", justify="right")
    contracts.add_column("unrecognised", justify="right")
    for p in positions:
        contracts.add_row(
            str(p.stored.id),
            p.stored.contract.reference,
            p.stored.contract.currency,
            _money(p.recognised_to_date),
            _money(p.unrecognised),
        )
    console.print(contracts)


def rollforward_command(
    start: Annotated[str, typer.Option("--from", help="First month, YYYY-MM.")],
    end: Annotated[str, typer.Option("--to", help="Last month, YYYY-MM.")],
    customer: Annotated[
        str | None, typer.Option("--customer", help="One customer id instead of the total.")
    ] = None,
    workspace: WorkspaceOption = Path("."),
    tenant: TenantOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Deferred revenue roll-forward per month: opening + billed − recognised − contra."""
    from revlake.finance.revrec_reports import parse_month, rollforward

    first = parse_month(start, field="--from")
    last = parse_month(end, field="--to")
    build, tenant_id = _snapshot(workspace, tenant)
    with build:
        rows = rollforward(build, first, last, customer_id=customer)
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "month": r.month.strftime("%Y-%m"),
                        "currency": r.currency,
                        "opening": str(r.opening),
                        "billed": str(r.billed),
                        "recognised": str(r.recognised),
                        "contra": str(r.contra),
                        "closing": str(r.closing),
                    }
                    for r in rows
                ],
                indent=2,
            )
        )
        return
    who = f"customer {customer}" if customer else "all customers"
    table = Table(title=f"Deferred revenue roll-forward, {who} ({tenant_id})")
    for column in ("month", "currency"):
        table.add_column(column)
    for column in ("opening", "billed", "recognised", "contra", "closing"):
        table.add_column(column, justify="right")
    for r in rows:
        table.add_row(
            r.month.strftime("%Y-%m"),
            r.currency,
            *(f"{v:,.2f}" for v in (r.opening, r.billed, r.recognised, r.contra, r.closing)),
        )
    console.print(table)
    if not rows:
        console.print(f"No deferred revenue between {start} and {end}.")


def register(app: typer.Typer) -> None:
    revrec_app.command("allocate")(allocate)
    revrec_app.add_typer(contracts_app, name="contracts")
    revrec_app.command("schedule")(schedule)
    revrec_app.command("rollforward")(rollforward_command)
    app.add_typer(revrec_app, name="revrec")
