"""Billing customers: search and list, and one customer's MRR history and movements."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response

from revlake.api.deps import PageDep, RoleDep, SnapshotDep
from revlake.api.routes import json_from_snapshot
from revlake.api.routes.revenue import SortQuery
from revlake.queries import customers
from revlake.schemas.common import CustomerDetail, CustomerRow, Page
from revlake.store.roles import Area

router = APIRouter(tags=["customers"], dependencies=[RoleDep(Area.CUSTOMERS)])


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
            raise HTTPException(status_code=404, detail=f"no customer {customer_id!r}")
        return detail

    return await json_from_snapshot(snapshot, ("customer", customer_id), compute)
