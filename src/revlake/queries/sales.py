"""Sales performance and customer insights of tenants with orders (API `/api/v1/sales/…`,
the dashboard's Sales page), read from gold's `kpi_sales_monthly`, `fct_sales_profit`
and `fct_customer_sales` (docs/SALES.md).

Figures are in the currency of the tenant's order lines: when lines come in several
currencies the one with the most lines is reported and the others are named, never
summed across currencies. A tenant without order lines gets `has_orders = false` and
zeros with a note (its pages say so) rather than an error.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from revlake.queries.convert import ZERO, money
from revlake.queries.params import PageParams, month_range_sql, order_by, page_of, where
from revlake.reader import Build
from revlake.schemas.sales import (
    Completeness,
    CostBasis,
    CustomerInsights,
    DemographicGroup,
    HighValue,
    HighValueCustomer,
    ProductSales,
    ProductSalesPage,
    SalesFigures,
    SalesGroup,
    SalesMonth,
    SalesSummary,
)

MONTHLY = "kpi_sales_monthly"
LINES = "fct_sales_profit"
CUSTOMERS = "fct_customer_sales"
TABLES = (MONTHLY, LINES, CUSTOMERS)
HINT = "run `revlake build`: this build predates the sales models"

COST_BASES: dict[CostBasis, str] = {
    "order_date": "at_order",
    "current": "current",
}
COST_BASIS_DEFINITIONS: dict[CostBasis, str] = {
    "order_date": "unit cost of the product version valid on the order date × quantity",
    "current": "unit cost of the product's current version × quantity",
}
AGE_DEFINITION = (
    "age in whole years from the customer's birth date to the order date; a birth date "
    "before 1925 or in the future counts as unknown"
)
HIGH_VALUE_DEFINITION = (
    "top decile by lifetime revenue: customers with orders ranked by revenue; every "
    "customer with at least the revenue of the one ranked ceil(10% of customers) is in, "
    "ties at that threshold included"
)
AGE_ORDER = ("under 35", "35–44", "45–54", "55–64", "65–74", "75 and over", "unknown")
COMPLETENESS_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("gender", "Gender", "is_missing_gender"),
    ("marital_status", "Marital status", "is_missing_marital_status"),
    ("birth_date", "Birth date (valid)", "is_missing_birth_date"),
    ("country", "Country", "is_missing_country"),
)
TOP_PRODUCTS = 10
TOP_CUSTOMERS = 10
PRODUCT_SORT: dict[str, str] = {
    "revenue": "revenue",
    "profit": "profit",
    "margin": "margin",
    "quantity": "quantity",
    "product_name": "product_name",
    "category": "category",
}
DEFAULT_PRODUCT_SORT = "-revenue"


def _share(part: Decimal | int, whole: Decimal | int) -> float:
    return round(float(Decimal(part) / Decimal(whole)), 6) if whole else 0.0


def _currencies(snapshot: Build) -> tuple[str | None, list[str]]:
    """The reported currency (most order lines) and the others present."""
    rows = snapshot.rows(
        f"select currency, sum(lines) as lines from gold.{MONTHLY} "
        "group by currency order by sum(lines) desc, currency"
    )
    names = [str(r["currency"]) for r in rows if r["currency"] is not None]
    return (names[0], names[1:]) if names else (None, [])


def _figure_sql(basis: CostBasis) -> str:
    suffix = COST_BASES[basis]
    return (
        "coalesce(sum(sales_amount), 0) as revenue, "
        f"coalesce(sum(cost_{suffix}), 0) as cost, "
        f"coalesce(sum(profit_{suffix}), 0) as profit, "
        f"coalesce(sum(sales_costed_{suffix}), 0) as costed, "
        "coalesce(sum(lines), 0) as lines, coalesce(sum(quantity), 0) as quantity, "
        f"coalesce(sum(lines_without_cost_{suffix}), 0) as uncosted"
    )


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    costed = money(row["costed"])
    profit = money(row["profit"])
    return {
        "revenue": money(row["revenue"]),
        "cost": money(row["cost"]),
        "profit": profit,
        "margin": round(float(profit / costed), 6) if costed else None,
        "lines": int(row["lines"]),
        "quantity": int(row["quantity"]),
        "lines_without_cost": int(row["uncosted"]),
    }


def _filters(
    currency: str, start: date | None, end: date | None, *extra: str
) -> tuple[str, list[Any]]:
    """WHERE clause and parameters: the currency, the month range, `extra` conditions."""
    conditions, params = month_range_sql("order_month", start, end)
    return where(["currency = ?", *conditions, *extra]), [currency, *params]


def _grouped(
    snapshot: Build, column: str, basis: CostBasis, filt: str, params: list[Any], total: Decimal
) -> list[SalesGroup]:
    rows = snapshot.rows(
        f"select {column} as name, {_figure_sql(basis)} from gold.{MONTHLY} {filt} "
        f"group by {column} order by revenue desc, {column}",
        params,
    )
    return [
        SalesGroup(
            name=str(r["name"]), revenue_share=_share(money(r["revenue"]), total), **_figures(r)
        )
        for r in rows
    ]


def _products_sql(basis: CostBasis, filt: str) -> str:
    return (
        "select product_number, max(product_name) as product_name, max(category) as category, "
        f"max(subcategory) as subcategory, {_figure_sql(basis)} "
        f"from gold.{MONTHLY} {filt} group by product_number"
    )


def _product(row: dict[str, Any], total: Decimal) -> ProductSales:
    return ProductSales(
        product_number=row["product_number"],
        product_name=row["product_name"],
        category=str(row["category"]),
        subcategory=str(row["subcategory"]),
        revenue_share=_share(money(row["revenue"]), total),
        **_figures(row),
    )


def _empty_figures() -> SalesFigures:
    return SalesFigures(
        revenue=ZERO,
        cost=ZERO,
        profit=ZERO,
        margin=None,
        lines=0,
        quantity=0,
        lines_without_cost=0,
    )


def sales_summary(
    snapshot: Build,
    basis: CostBasis = "order_date",
    start: date | None = None,
    end: date | None = None,
) -> SalesSummary:
    """Revenue, cost and profit over [start, end] months (default: every line, including
    those without a valid order date) in total, by country, category, top products and
    month."""
    snapshot.require(*TABLES, hint=HINT)
    currency, others = _currencies(snapshot)
    definition = COST_BASIS_DEFINITIONS[basis]
    if currency is None:
        return SalesSummary(
            has_orders=False,
            note="this tenant has no order lines: sales figures come from ERP or order exports",
            currency="",
            other_currencies=[],
            cost_basis=basis,
            cost_basis_definition=definition,
            from_month=start,
            to_month=end,
            first_order_month=None,
            last_order_month=None,
            undated_lines=0,
            undated_revenue=ZERO,
            totals=_empty_figures(),
            orders=0,
            customers=0,
            profit_at_order_date=ZERO,
            profit_at_current_cost=ZERO,
            by_country=[],
            by_category=[],
            top_products=[],
            monthly=[],
        )
    filt, params = _filters(currency, start, end)
    (total_row,) = snapshot.rows(
        f"select {_figure_sql(basis)}, coalesce(sum(profit_at_order), 0) as p_order, "
        "coalesce(sum(profit_current), 0) as p_current, "
        "min(order_month) as first_month, max(order_month) as last_month, "
        "coalesce(sum(lines) filter (where order_month is null), 0) as undated_lines, "
        "coalesce(sum(sales_amount) filter (where order_month is null), 0) as undated_revenue "
        f"from gold.{MONTHLY} {filt}",
        params,
    )
    (counts,) = snapshot.rows(
        "select count(distinct order_number) as orders, count(distinct customer_key) as customers "
        f"from gold.{LINES} {filt}",
        params,
    )
    totals = SalesFigures(**_figures(total_row))
    revenue = totals.revenue
    products = snapshot.rows(
        f"{_products_sql(basis, filt)} order by revenue desc, product_number limit ?",
        [*params, TOP_PRODUCTS],
    )
    dated, _ = _filters(currency, start, end, "order_month is not null")
    monthly = snapshot.rows(
        f"select order_month, {_figure_sql(basis)} from gold.{MONTHLY} {dated} "
        "group by order_month order by order_month",
        params,
    )
    return SalesSummary(
        has_orders=True,
        note=(f"order lines in {', '.join(others)} are not included" if others else None),
        currency=currency,
        other_currencies=others,
        cost_basis=basis,
        cost_basis_definition=definition,
        from_month=start,
        to_month=end,
        first_order_month=total_row["first_month"],
        last_order_month=total_row["last_month"],
        undated_lines=int(total_row["undated_lines"]),
        undated_revenue=money(total_row["undated_revenue"]),
        totals=totals,
        orders=int(counts["orders"]),
        customers=int(counts["customers"]),
        profit_at_order_date=money(total_row["p_order"]),
        profit_at_current_cost=money(total_row["p_current"]),
        by_country=_grouped(snapshot, "country_name", basis, filt, params, revenue),
        by_category=_grouped(snapshot, "category", basis, filt, params, revenue),
        top_products=[_product(r, revenue) for r in products],
        monthly=[SalesMonth(month=r["order_month"], **_figures(r)) for r in monthly],
    )


def products(
    snapshot: Build,
    page: PageParams,
    basis: CostBasis = "order_date",
    start: date | None = None,
    end: date | None = None,
    sort: str | None = None,
) -> ProductSalesPage:
    """Every product's revenue, cost and profit over [start, end], sorted and paged."""
    snapshot.require(*TABLES, hint=HINT)
    currency, _ = _currencies(snapshot)
    if currency is None:
        return ProductSalesPage(items=[], total=0, limit=page.limit, offset=page.offset)
    filt, params = _filters(currency, start, end)
    ordering = order_by(sort, PRODUCT_SORT, DEFAULT_PRODUCT_SORT, unique=["product_number"])
    grouped = _products_sql(basis, filt)
    (head,) = snapshot.rows(
        f"select count(*) as n, coalesce(sum(revenue), 0) as revenue from ({grouped}) as p",
        params,
    )
    rows = snapshot.rows(
        f"select *, case when costed <> 0 then profit / costed end as margin from ({grouped}) "
        f"as p order by {ordering} limit ? offset ?",
        [*params, page.limit, page.offset],
    )
    total = money(head["revenue"])
    return ProductSalesPage(
        items=[_product(r, total) for r in rows], **page_of(rows, int(head["n"]), page)
    )


def _groups(
    rows: list[dict[str, Any]], customers: int, revenue: Decimal, order: tuple[str, ...] = ()
) -> list[DemographicGroup]:
    found = {str(r["label"]): r for r in rows}
    labels = [x for x in order if x in found] + sorted(set(found) - set(order))
    out = []
    for label in labels:
        r = found[label]
        count, amount = int(r["customers"]), money(r["revenue"])
        out.append(
            DemographicGroup(
                label=label,
                customers=count,
                customer_share=_share(count, customers),
                revenue=amount,
                revenue_share=_share(amount, revenue),
                revenue_per_customer=(amount / count).quantize(Decimal("0.01")) if count else None,
            )
        )
    return out


def customer_insights(snapshot: Build) -> CustomerInsights:
    """Age groups, marital status, gender, completeness and high-value customers of the
    customers with orders (in the reported currency)."""
    snapshot.require(*TABLES, hint=HINT)
    currency, _ = _currencies(snapshot)
    definition = HIGH_VALUE_DEFINITION
    if currency is None:
        return CustomerInsights(
            has_orders=False,
            note="this tenant has no order lines: no customer insights from orders",
            currency="",
            customers=0,
            revenue=ZERO,
            age_definition=AGE_DEFINITION,
            age_groups_at_first_order=[],
            revenue_by_age_at_order=[],
            marital_status=[],
            gender=[],
            completeness=[],
            high_value=HighValue(
                definition=definition,
                threshold=None,
                customers=0,
                customer_share=0.0,
                revenue=ZERO,
                revenue_share=0.0,
                top=[],
            ),
        )
    base = f"from gold.{CUSTOMERS} where currency = ?"
    flags = ", ".join(
        f"count(*) filter (where {flag}) as {name}_n, "
        f"coalesce(sum(sales_amount) filter (where {flag}), 0) as {name}_rev"
        for name, _, flag in COMPLETENESS_FIELDS
    )
    (head,) = snapshot.rows(
        "select count(*) as customers, coalesce(sum(sales_amount), 0) as revenue, "
        "count(*) filter (where is_high_value) as hv_n, "
        "coalesce(sum(sales_amount) filter (where is_high_value), 0) as hv_rev, "
        f"max(high_value_threshold) as threshold, {flags} {base}",
        [currency],
    )
    customers, revenue = int(head["customers"]), money(head["revenue"])

    def by(column: str) -> list[dict[str, Any]]:
        return snapshot.rows(
            f"select coalesce({column}, 'unknown') as label, count(*) as customers, "
            f"sum(sales_amount) as revenue {base} group by 1",
            [currency],
        )

    at_order = snapshot.rows(
        "select age_group_at_order as label, count(distinct customer_key) as customers, "
        f"sum(sales_amount) as revenue from gold.{LINES} where currency = ? group by 1",
        [currency],
    )
    top = snapshot.rows(
        "select c.customer_key, c.customer_name, coalesce(l.country_name, 'Unknown') as country, "
        "c.orders, c.sales_amount, c.profit_at_order, c.revenue_rank "
        f"from gold.{CUSTOMERS} c left join gold.dim_location l on l.location_key = c.location_key "
        "where c.currency = ? order by c.revenue_rank limit ?",
        [currency, TOP_CUSTOMERS],
    )
    return CustomerInsights(
        has_orders=True,
        currency=currency,
        customers=customers,
        revenue=revenue,
        age_definition=AGE_DEFINITION,
        age_groups_at_first_order=_groups(
            by("age_group_at_first_order"), customers, revenue, AGE_ORDER
        ),
        revenue_by_age_at_order=_groups(at_order, customers, revenue, AGE_ORDER),
        marital_status=_groups(by("marital_status"), customers, revenue, ("Married", "Single")),
        gender=_groups(by("gender"), customers, revenue, ("Female", "Male")),
        completeness=[
            Completeness(
                field=name,
                label=label,
                customers_missing=int(head[f"{name}_n"]),
                customer_share=_share(int(head[f"{name}_n"]), customers),
                revenue_missing=money(head[f"{name}_rev"]),
                revenue_share=_share(money(head[f"{name}_rev"]), revenue),
            )
            for name, label, _ in COMPLETENESS_FIELDS
        ],
        high_value=HighValue(
            definition=definition,
            threshold=money(head["threshold"]) if head["threshold"] is not None else None,
            customers=int(head["hv_n"]),
            customer_share=_share(int(head["hv_n"]), customers),
            revenue=money(head["hv_rev"]),
            revenue_share=_share(money(head["hv_rev"]), revenue),
            top=[
                HighValueCustomer(
                    customer_key=str(r["customer_key"]),
                    customer_name=r["customer_name"],
                    country=str(r["country"]),
                    orders=int(r["orders"]),
                    revenue=money(r["sales_amount"]),
                    profit_at_order_date=money(r["profit_at_order"]),
                    rank=int(r["revenue_rank"]),
                )
                for r in top
            ],
        ),
    )


def order_months(snapshot: Build) -> list[date]:
    """Every month with dated order lines, oldest first (the page's month pickers)."""
    snapshot.require(*TABLES, hint=HINT)
    rows = snapshot.rows(
        f"select distinct order_month from gold.{MONTHLY} where order_month is not null "
        "order by order_month"
    )
    return [r["order_month"] for r in rows]


def has_orders(snapshot: Build) -> bool:
    """Whether the build has order lines (the dashboard shows the Sales page only then)."""
    if not snapshot.has_table(MONTHLY):
        return False
    return bool(snapshot.rows(f"select 1 as x from gold.{MONTHLY} limit 1"))
