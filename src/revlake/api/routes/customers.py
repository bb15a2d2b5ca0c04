"""Customers, one route module for the resource: search and list, one customer's MRR history
and movements, and customer intelligence (at risk, churn score, lifetime value).

`/customers/at-risk` is declared before `/customers/{customer_id}` (the first matching
route answers), so no other module has to be ordered around it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from revlake.api.deps import PageDep, RoleDep, SnapshotDep
from revlake.api.routes import json_from_snapshot
from revlake.api.routes.revenue import SortQuery
from revlake.errors import NotFound
from revlake.queries import customer_intel, customers
from revlake.schemas.common import CustomerDetail, CustomerRow, Page
from revlake.schemas.customer_intel import AtRiskPage, CustomerChurn, CustomerLtvOut, RiskLevel
from revlake.store.roles import Area

router = APIRouter(tags=["customers"], dependencies=[RoleDep(Area.CUSTOMERS)])
CustomerPath = Annotated[str, Path(max_length=100)]


@router.get(
    "/customers/at-risk",
    response_model=AtRiskPage,
    summary="Paying customers sorted by MRR at risk (MRR × churn probability), highest first",
    tags=["customer intelligence"],
)
async def get_at_risk(
    snapshot: SnapshotDep,
    page: PageDep,
    risk_level: Annotated[
        list[RiskLevel] | None, Query(description="Keep these levels (repeatable)")
    ] = None,
    segment: Annotated[str | None, Query(max_length=50)] = None,
    min_probability: Annotated[
        float | None, Query(ge=0, le=1, description="Keep churn probability ≥ this")
    ] = None,
) -> Response:
    levels = tuple(sorted(set(risk_level or ())))
    return await json_from_snapshot(
        snapshot,
        ("at-risk", levels, segment, min_probability, page),
        lambda: customer_intel.at_risk(snapshot, levels, segment, min_probability, page),
    )


@router.get(
    "/customers",
    response_model=Page[CustomerRow],
    summary="Billing customers with their current MRR; search, filter, sort, page",
    description="Sortable by: " + ", ".join(sorted(customers.CUSTOMER_SORT)) + ".",
)
async def list_customers(
    snapshot: SnapshotDep,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=100, description="Name or id contains")] = None,
    status: Annotated[customers.Status, Query()] = "all",
    segment: Annotated[str | None, Query(max_length=50)] = None,
    sort: SortQuery = None,
) -> Response:
    return await json_from_snapshot(
        snapshot,
        ("customers", q, status, segment, sort, page),
        lambda: customers.customers(snapshot, q, status, segment, sort, page),
    )


@router.get(
    "/customers/{customer_id}",
    response_model=CustomerDetail,
    summary="One customer: MRR history by month and MRR movements",
)
async def get_customer(
    snapshot: SnapshotDep,
    customer_id: Annotated[str, Path(max_length=100)],
) -> Response:
    def compute() -> CustomerDetail:
        detail = customers.customer_detail(snapshot, customer_id)
        if detail is None:
            raise NotFound(f"no customer {customer_id!r}")
        return detail

    return await json_from_snapshot(snapshot, ("customer", customer_id), compute)


@router.get(
    "/customers/{customer_id}/churn",
    response_model=CustomerChurn,
    summary="One customer's churn probability, risk level, intervention and ranked drivers",
    tags=["customer intelligence"],
)
async def get_customer_churn(snapshot: SnapshotDep, customer_id: CustomerPath) -> Response:
    return await json_from_snapshot(
        snapshot,
        ("customer-churn", customer_id),
        lambda: customer_intel.customer_churn(snapshot, customer_id),
    )


@router.get(
    "/customers/{customer_id}/ltv",
    response_model=CustomerLtvOut,
    summary="One customer's expected remaining discounted gross-margin revenue and simple LTV",
    tags=["customer intelligence"],
)
async def get_customer_ltv(snapshot: SnapshotDep, customer_id: CustomerPath) -> Response:
    return await json_from_snapshot(
        snapshot,
        ("customer-ltv", customer_id),
        lambda: customer_intel.customer_ltv(snapshot, customer_id),
    )
