"""`revlake revrec allocate`: ASC 606 step 4 allocation of a transaction price, on its own."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from revlake.cli.common import console
from revlake.errors import InputError
from revlake.finance.allocation import (
    Allocation,
    allocate_transaction_price,
    parse_names,
    parse_obligation,
)
from revlake.finance.money import Money, currency_code

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


def register(app: typer.Typer) -> None:
    revrec_app.command("allocate")(allocate)
    app.add_typer(revrec_app, name="revrec")
