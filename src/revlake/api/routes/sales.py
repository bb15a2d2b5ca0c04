"""Sales performance and customer insights of tenants with orders (ERP or order exports).

Revenue, cost and profit by country, category, product and month on a stated cost basis
(`order_date`: the product version's unit cost valid on the order date, the default;
`current`: the current version's), and who the customers with orders are. A tenant
without order lines answers `has_orders: false` with zeros, not an error.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from revlake.api.deps import PageDep, RoleDep, SnapshotDep
from revlake.api.routes import json_from_snapshot
from revlake.queries import sales
from revlake.queries.params import MONTH_PATTERN, parse_month
from revlake.schemas.sales import CostBasis, CustomerInsights, ProductSalesPage, SalesSummary
from revlake.store.roles import Area

router = APIRouter(tags=["sales"])

CostBasisQuery = Annotated[
    CostBasis,
    Query(
        description="`order_date` (default): unit cost of the product version valid on the "
        "order date; `current`: the product's current unit cost"
    ),
]
FromQuery = Annotated[
    str | None,
    Query(alias="from", pattern=MONTH_PATTERN, description="First order month, YYYY-MM"),
]
ToQuery = Annotated[
    str | None, Query(alias="to", pattern=MONTH_PATTERN, description="Last order month, YYYY-MM")
]
SortQuery = Annotated[
    str | None, Query(max_length=200, description="e.g. `-profit`; see the route.")
]


@router.get(
    "/sales/summary",
    response_model=SalesSummary,
    summary="Revenue, cost and profit (both cost bases stated) in total, by country, "
    "category, top products and month",
    dependencies=[RoleDep(Area.KPIS)],
)
async def get_sales_summary(
    snapshot: SnapshotDep,
    cost_basis: CostBasisQuery = "order_date",
    start: FromQuery = None,
    end: ToQuery = None,
) -> Response:
    return await json_from_snapshot(
        snapshot,
        ("sales-summary", cost_basis, start, end),
        lambda: sales.sales_summary(
            snapshot, cost_basis, parse_month(start, "from"), parse_month(end, "to")
        ),
    )


@router.get(
    "/sales/products",
    response_model=ProductSalesPage,
    summary="Revenue, cost and profit per product (a product's versions together), paged",
    description="Sortable by: " + ", ".join(sorted(sales.PRODUCT_SORT)) + ".",
    dependencies=[RoleDep(Area.KPIS)],
)
async def get_sales_products(
    snapshot: SnapshotDep,
    page: PageDep,
    cost_basis: CostBasisQuery = "order_date",
    start: FromQuery = None,
    end: ToQuery = None,
    sort: SortQuery = None,
) -> Response:
    return await json_from_snapshot(
        snapshot,
        ("sales-products", cost_basis, start, end, sort, page),
        lambda: sales.products(
            snapshot, page, cost_basis, parse_month(start, "from"), parse_month(end, "to"), sort
        ),
    )


@router.get(
    "/sales/customers",
    response_model=CustomerInsights,
    summary="Customers with orders by age group, marital status and gender; missing "
    "attributes; high-value customers (top decile by lifetime revenue)",
    dependencies=[RoleDep(Area.CUSTOMERS)],
)
async def get_sales_customers(snapshot: SnapshotDep) -> Response:
    return await json_from_snapshot(
        snapshot, ("sales-customers",), lambda: sales.customer_insights(snapshot)
    )
