"""The charged lines of gold.fct_tax_lines as the tax engine's ChargedLine, and the
reference discrepancy check that runs the engine on every one of them.

`checked_per_line` is the definition of the discrepancy list: each line is converted and
handed to `revlake.finance.tax.find_discrepancies`. It is linear in Python (about 8 s at
100k customers, minutes at 1M), so the pages use `revlake.queries.tax_check`, which
decides per group of lines and must give exactly this answer; this one stays as the
reference it is tested against and the fallback for builds it cannot handle.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from revlake.finance.money import Money
from revlake.finance.tax import (
    ChargedLine,
    Discrepancy,
    RateTable,
    TaxLine,
    TaxProfile,
    find_discrepancies,
    plain_rate,
)
from revlake.reader import Build, tables

LINES_TABLE = tables.TAX_LINES
LINES_HINT = "run `revlake build` to add the tax tables"
LINES_PER_FETCH = 50_000
"""Tax lines converted to Python at a time while discrepancies are looked for: a company
of 100k customers has about 1.1M lines, which as Python objects all at once took over
a gigabyte (ten times that at 1M customers)."""
LINE_COLUMNS = (
    "invoice_line_id, invoice_id, invoice_date, customer_country_code, customer_tax_id, "
    "net_amount, tax_amount, tax_rate, is_reverse_charge, currency"
)
"""The columns of gold.fct_tax_lines a ChargedLine is made of, in `charged_line`'s order."""
LINE_ORDER = "invoice_date, invoice_line_id"
"""The order lines are checked in, and discrepancies listed in."""
_ZERO = Decimal("0.00")


def _dec(value: Any) -> Decimal:
    return _ZERO if value is None else Decimal(value)


def currency_of(value: object, currencies: dict[object, str]) -> str:
    """The checked ISO code of a line's currency column (an InputError when unknown),
    memoised in `currencies`: checked once per currency, not once per line."""
    code = currencies.get(value)
    if code is None:
        code = currencies[value] = Money.zero(str(value)).currency  # checks it
    return code


def charged_line(row: Iterable[Any], currencies: dict[object, str]) -> ChargedLine:
    """One row of `LINE_COLUMNS` as the engine's ChargedLine (what was billed)."""
    line_id, invoice_id, day, country, tax_id, net, charged, rate, reverse, currency = row
    code = currency_of(currency, currencies)
    return ChargedLine(
        invoice_line_id=str(line_id),
        invoice_id=str(invoice_id),
        tax_line=TaxLine(
            customer_country=str(country or ""),
            tax_date=day,
            net=Money.checked(_dec(net), code),
            vat_number=tax_id,
        ),
        charged_tax=Money.checked(_dec(charged), code),
        charged_rate=None if rate is None else plain_rate(Decimal(rate)),
        charged_reverse_charge=bool(reverse),
    )


def iter_charged_lines(snapshot: Build) -> Iterator[ChargedLine]:
    """Every line of gold.fct_tax_lines as the engine's ChargedLine (what was billed),
    oldest invoice first, converted `LINES_PER_FETCH` rows at a time.

    Read as tuples, with each currency checked once (a million lines at 100k customers:
    building a dict and validating the code per line took most of the check's time)."""
    snapshot.require(LINES_TABLE, hint=LINES_HINT)
    currencies: dict[object, str] = {}
    with snapshot.cursor() as cursor:
        result = cursor.execute(
            f"select {LINE_COLUMNS} from gold.{LINES_TABLE} order by {LINE_ORDER}"
        )
        while rows := result.fetchmany(LINES_PER_FETCH):
            for row in rows:
                yield charged_line(row, currencies)


def charged_lines(snapshot: Build) -> list[ChargedLine]:
    """Every line of gold.fct_tax_lines as the engine's ChargedLine (what was billed)."""
    return list(iter_charged_lines(snapshot))


def checked_per_line(
    snapshot: Build, table: RateTable, profile: TaxProfile
) -> tuple[int, list[Discrepancy]]:
    """(lines checked, discrepancies): the engine run on every line, in `LINE_ORDER`
    (the reference definition; only the discrepancies are kept in memory)."""
    checked = 0

    def counted() -> Iterator[ChargedLine]:
        nonlocal checked
        for line in iter_charged_lines(snapshot):
            checked += 1
            yield line

    found = find_discrepancies(profile, table, counted())
    return checked, found
