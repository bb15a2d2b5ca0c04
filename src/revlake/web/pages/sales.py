"""The Sales page of tenants with orders: revenue, cost and profit (cost basis chosen and
stated) by country, category, product and month, and the customer insights (age group,
marital status, gender, completeness, high-value customers).

It renders `revlake.queries.sales`, the objects `GET /api/v1/sales/summary` and
`GET /api/v1/sales/customers` answer, so the page and the API agree. Its link shows in
the navigation only when the tenant's build has order lines (`NAV_WHEN`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from revlake.queries import sales
from revlake.queries.params import MONTH_PATTERN, parse_month
from revlake.schemas.sales import CostBasis
from revlake.store.roles import Area, can_access
from revlake.web.common import NavEntry, PageSnapshot, WebPrincipal, render, require
from revlake.web.figures import sales as figures

NAV: tuple[NavEntry, ...] = (("/sales", "Sales", Area.KPIS),)
NAV_WHEN = {"/sales": sales.has_orders}
"""Links shown only when the tenant's build passes the check (here: it has order lines)."""

FORM_MONTH = f"^$|{MONTH_PATTERN}"
"""YYYY-MM, or empty (the month pickers' "first" and "last" options)."""

BASIS_LABELS: dict[str, str] = {"order_date": "cost at order date", "current": "current cost"}

router = APIRouter(include_in_schema=False)


@router.get("/sales")
async def sales_page(
    request: Request,
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    cost_basis: CostBasis = "order_date",
    start: Annotated[str | None, Query(alias="from", pattern=FORM_MONTH)] = None,
    end: Annotated[str | None, Query(alias="to", pattern=FORM_MONTH)] = None,
) -> HTMLResponse:
    require(principal, Area.KPIS)
    # the form's "first"/"last" options send an empty value: no bound
    first, last = parse_month(start or None, "from"), parse_month(end or None, "to")
    summary = await run_in_threadpool(sales.sales_summary, snapshot, cost_basis, first, last)
    show_customers = can_access(principal.role, Area.CUSTOMERS)
    customers = (
        await run_in_threadpool(sales.customer_insights, snapshot) if show_customers else None
    )
    basis_label = BASIS_LABELS[cost_basis]
    charts = snapshot.memo(
        ("web-sales", cost_basis, first, last),
        lambda: {
            "monthly": figures.monthly(summary.monthly, summary.currency, basis_label),
            "countries": figures.by_country(summary.by_country, summary.currency),
        },
    )
    months = await run_in_threadpool(sales.order_months, snapshot)
    return render(
        request,
        "sales.html",
        principal,
        snapshot,
        summary=summary,
        customers=customers,
        currency=summary.currency,
        basis_label=basis_label,
        basis_labels=BASIS_LABELS,
        months=months,
        charts=charts if summary.has_orders else None,
    )
