"""Response and request bodies of the tax endpoints (/api/v1/tax).

Money here is exact: amounts are JSON strings holding decimals (e.g. "1234.50"), read
from gold DECIMAL(18,2) columns or computed with revlake.finance.money, because a tax
return must match the invoices to the cent. Rates are percentages ("19", "25.5").
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field

from revlake.schemas.common import Money, Page, Schema


class TaxReportRow(Schema):
    """One month × jurisdiction × invoice currency of the tax report."""

    period: date = Field(description="First day of the tax period (month of the invoice date)")
    jurisdiction: str
    tax_kind: str
    currency: str
    taxable_net: Money = Field(description="Net of the lines that carried tax")
    tax_charged: Money
    reverse_charged_net: Money
    untaxed_net: Money = Field(description="Net of lines outside the seller's tax (exports)")
    line_count: int
    reverse_charge_line_count: int
    taxable_net_rc: Money
    tax_charged_rc: Money
    reverse_charged_net_rc: Money


class TaxCurrencyTotal(Schema):
    """The report's totals in one invoice currency."""

    currency: str
    taxable_net: Money
    tax_charged: Money
    reverse_charged_net: Money
    line_count: int


class TaxReport(Schema):
    """The tax report over the chosen months, with totals per currency and in the
    reporting currency."""

    reporting_currency: str
    from_period: date | None
    to_period: date | None
    jurisdiction: str | None
    rows: list[TaxReportRow]
    totals: list[TaxCurrencyTotal]
    tax_charged_rc: Money
    taxable_net_rc: Money
    reverse_charged_net_rc: Money


class TaxRateOut(Schema):
    """One rate-table row."""

    jurisdiction: str
    kind: str
    rate: Decimal = Field(description="Percent")
    valid_from: date
    valid_to: date | None = Field(description="Last day in force (inclusive); null: still")
    note: str
    source: str = Field(description="Shipped table or workspace override file, with line")


class TaxRates(Schema):
    """Rate-table rows: every row, or the row in force on `date`."""

    date: date | None
    items: list[TaxRateOut]


class TaxDiscrepancyOut(Schema):
    """An invoice line whose charged tax is not what the rate tables give."""

    invoice_line_id: str
    invoice_id: str
    invoice_date: date
    customer_country: str
    jurisdiction: str
    currency: str
    net: Money
    charged_tax: Money
    expected_tax: Money | None
    charged_rate: Decimal | None
    expected_rate: Decimal | None
    reason: str


class TaxDiscrepancyPage(Page[TaxDiscrepancyOut]):
    """A page of discrepancies, how many lines were checked and in which build."""

    lines_checked: int
    snapshot: str = Field(description="The published build whose lines were checked")


class VatCheckIn(Schema):
    """A VAT number to check (format and check digits; nothing is stored)."""

    number: str = Field(min_length=1, max_length=40)
    country: str | None = Field(
        default=None,
        min_length=2,
        max_length=2,
        description="When given, the number must belong to this country",
    )


class VatCheckOut(Schema):
    number: str
    compact: str
    country: str | None
    valid: bool
    reason: str
    vies_checked: bool = Field(default=False, description="Always false: no VIES lookup")
