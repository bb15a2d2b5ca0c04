"""Response bodies of the sales and customer-insight endpoints (tenants with orders).

Revenue, cost and profit are `Money` in the object's `currency` (the currency of the
tenant's order lines). Every body names its cost basis: `order_date` (the unit cost of the
product version valid on the order date, the default) or `current` (the current version's
unit cost), with the definition in words; totals state the profit on both bases.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from revlake.schemas.common import Money, Page, Schema

CostBasis = Literal["order_date", "current"]


class SalesFigures(Schema):
    """Revenue, cost and profit of a group of order lines on the chosen cost basis.

    cost and profit sum the lines with a cost on that basis; margin = profit ÷ the revenue
    of those lines (None without any); lines_without_cost are left out of cost and profit.
    """

    revenue: Money
    cost: Money
    profit: Money
    margin: float | None
    lines: int
    quantity: int
    lines_without_cost: int


class SalesGroup(SalesFigures):
    """A country or category: its figures and its share of the period's revenue."""

    name: str
    revenue_share: float


class ProductSales(SalesFigures):
    product_number: str | None
    product_name: str | None
    category: str
    subcategory: str
    revenue_share: float


ProductSalesPage = Page[ProductSales]


class SalesMonth(SalesFigures):
    month: date


class SalesSummary(Schema):
    """Sales performance over a period (default: every order line)."""

    has_orders: bool
    note: str | None = None
    currency: str
    other_currencies: list[str]
    cost_basis: CostBasis
    cost_basis_definition: str
    from_month: date | None
    to_month: date | None
    first_order_month: date | None
    last_order_month: date | None
    undated_lines: int
    undated_revenue: Money
    totals: SalesFigures
    orders: int
    customers: int
    profit_at_order_date: Money
    profit_at_current_cost: Money
    by_country: list[SalesGroup]
    by_category: list[SalesGroup]
    top_products: list[ProductSales]
    monthly: list[SalesMonth]


class DemographicGroup(Schema):
    """Customers with orders in one group, and the revenue of the group."""

    label: str
    customers: int
    customer_share: float
    revenue: Money
    revenue_share: float
    revenue_per_customer: Money | None


class Completeness(Schema):
    """Customers with orders that lack an attribute, and the revenue they bring."""

    field: str
    label: str
    customers_missing: int
    customer_share: float
    revenue_missing: Money
    revenue_share: float


class HighValueCustomer(Schema):
    customer_key: str
    customer_name: str | None
    country: str
    orders: int
    revenue: Money
    profit_at_order_date: Money
    rank: int


class HighValue(Schema):
    definition: str
    threshold: Money | None
    customers: int
    customer_share: float
    revenue: Money
    revenue_share: float
    top: list[HighValueCustomer]


class CustomerInsights(Schema):
    """Who buys: age, marital status and gender of customers with orders, how complete
    those records are, and the high-value customers."""

    has_orders: bool
    note: str | None = None
    currency: str
    customers: int
    revenue: Money
    age_definition: str
    age_groups_at_first_order: list[DemographicGroup]
    revenue_by_age_at_order: list[DemographicGroup]
    marital_status: list[DemographicGroup]
    gender: list[DemographicGroup]
    completeness: list[Completeness]
    high_value: HighValue
