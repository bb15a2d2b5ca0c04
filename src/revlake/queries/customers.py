"""Billing customers with their current MRR, and one customer's MRR history and movements
(gold dim_customer, fct_mrr, fct_mrr_movements)."""

from __future__ import annotations

from typing import Any, Literal

import pyarrow as pa

from revlake.queries.convert import money
from revlake.queries.params import PageParams, order_by, page_of, where
from revlake.queries.revenue import reporting_currency
from revlake.reader import Build
from revlake.schemas.common import (
    CustomerDetail,
    CustomerMovement,
    CustomerRow,
    MrrPoint,
    Page,
)

Status = Literal["all", "paying", "churned"]

# CRM systems whose accounts are prospects and deal counterparties, not customers, unless
# they were billed or bought (then fct_mrr, fct_ar_invoices or fct_sales names them).
CRM_ACCOUNT_SOURCES = ("salesforce", "hubspot", "maven", "pipedrive")

# One row per customer of any billing, ERP or customer-file source (Stripe, Chargebee,
# Recurly, QuickBooks, the ERP, a mapped customers file …) and per CRM account that was
# billed or bought: its MRR in the as-of month (the latest month of fct_mrr), the first and
# last month it paid, and segment/industry (of the CRM account it belongs to, else its own).
_CUSTOMERS = f"""
with as_of as (select max(month_start_date) as m from gold.fct_mrr),
paid as (
  select customer_key, min(month_start_date) as first_paid_month,
    max(month_start_date) as last_paid_month
  from gold.fct_mrr where is_paying group by customer_key
),
c as (
  select d.customer_id, d.customer_key,
    coalesce(nullif(d.customer_name, ''), d.customer_id) as name,
    d.location_key as country, coalesce(a.segment, d.segment) as segment,
    coalesce(a.industry, d.industry) as industry, d.created_date,
    coalesce(cur.mrr_rc, 0) as mrr, coalesce(cur.is_paying, false) as is_paying,
    p.first_paid_month, p.last_paid_month
  from gold.dim_customer d
  cross join as_of
  left join gold.dim_customer a on a.customer_key = d.linked_account_key
  left join gold.fct_mrr cur
    on cur.customer_key = d.customer_key and cur.month_start_date = as_of.m
  left join paid p on p.customer_key = d.customer_key
  where d.source_system not in {CRM_ACCOUNT_SOURCES!r}
    or d.customer_key in (select customer_key from gold.fct_mrr)
    or d.customer_key in (select customer_key from gold.fct_ar_invoices)
    or d.customer_key in (select customer_key from gold.fct_sales)
)
"""

_LIST = "customer_list"


def _customer_list(snapshot: Build) -> pa.Table:
    """Every row of `_CUSTOMERS`, worked out once per build and kept as Arrow columns
    (13 MB at 100k customers): the query joins gold's MRR history, so each page, search,
    sort and filter of the list re-ran it (1–1.7 s at 100k, ten times that at 1M); they
    now read this table (30–45 ms)."""

    def compute() -> pa.Table:
        with snapshot.cursor() as cursor:
            return cursor.sql(f"{_CUSTOMERS} select * from c").to_arrow_table()

    return snapshot.memo(("customer-list",), compute)


def _list_rows(snapshot: Build, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    """Rows of `sql`, a query over the table `customer_list` (the customers of the build)."""
    return snapshot.rows(sql, params, views={_LIST: _customer_list(snapshot)})


CUSTOMER_SORT = {
    "name": "name",
    "customer_id": "customer_id",
    "mrr": "mrr",
    "segment": "segment",
    "country": "country",
    "first_paid_month": "first_paid_month",
    "last_paid_month": "last_paid_month",
}


def _row(r: dict[str, Any]) -> CustomerRow:
    return CustomerRow(
        customer_id=r["customer_id"],
        name=r["name"],
        country=r["country"],
        segment=r["segment"],
        industry=r["industry"],
        mrr=money(r["mrr"]),
        is_paying=bool(r["is_paying"]),
        first_paid_month=r["first_paid_month"],
        last_paid_month=r["last_paid_month"],
    )


def customers(
    snapshot: Build,
    q: str | None,
    status: Status,
    segment: str | None,
    sort: str | None,
    page: PageParams,
) -> Page[CustomerRow]:
    """Billing customers matching the search `q` (name or id), status and segment."""
    ordering = order_by(sort, CUSTOMER_SORT, "-mrr,name", ["customer_id"])
    conditions: list[str] = []
    params: list[Any] = []
    if q:
        conditions.append("(contains(lower(name), ?) or contains(lower(customer_id), ?))")
        params += [q.lower(), q.lower()]
    if status == "paying":
        conditions.append("is_paying")
    elif status == "churned":
        conditions.append("not is_paying and first_paid_month is not null")
    if segment is not None:
        conditions.append("segment = ?")
        params.append(segment)

    def compute() -> Page[CustomerRow]:
        rows = _list_rows(
            snapshot,
            f"select *, count(*) over () as total_rows from {_LIST} "
            f"{where(conditions)} order by {ordering} limit ? offset ?",
            [*params, page.limit, page.offset],
        )
        if rows:
            total = int(rows[0]["total_rows"])
        else:
            total = int(
                _list_rows(
                    snapshot, f"select count(*) as n from {_LIST} {where(conditions)}", params
                )[0]["n"]
            )
        return Page[CustomerRow](items=[_row(r) for r in rows], **page_of(rows, total, page))

    return snapshot.memo(("customers", q, status, segment, ordering, page), compute)


def customer_detail(snapshot: Build, customer_id: str) -> CustomerDetail | None:
    """One billing customer with every month of MRR and every movement; None if unknown."""

    def compute() -> CustomerDetail | None:
        found = _list_rows(
            snapshot,
            f"select * from {_LIST} where customer_id = ? "
            "order by is_paying desc, mrr desc, customer_key limit 1",
            [customer_id],
        )
        if not found:
            return None
        key = found[0]["customer_key"]
        history = snapshot.rows(
            "select month_start_date, currency, mrr, mrr_rc, is_paying from gold.fct_mrr "
            "where customer_key = ? order by month_start_date",
            [key],
        )
        moves = snapshot.rows(
            "select month_start_date, movement_type, amount_rc from gold.fct_mrr_movements "
            "where customer_key = ? order by month_start_date, movement_type",
            [key],
        )
        return CustomerDetail(
            customer=_row(found[0]),
            created_date=found[0]["created_date"],
            currency=reporting_currency(snapshot),
            mrr_history=[
                MrrPoint(
                    month=h["month_start_date"],
                    currency=h["currency"],
                    mrr=money(h["mrr"]),
                    mrr_rc=money(h["mrr_rc"]),
                    is_paying=bool(h["is_paying"]),
                )
                for h in history
            ],
            movements=[
                CustomerMovement(
                    month=m["month_start_date"],
                    movement_type=m["movement_type"],
                    amount=money(m["amount_rc"]),
                )
                for m in moves
            ],
        )

    return snapshot.memo(("customer", customer_id), compute)


def segments(snapshot: Build) -> list[str]:
    """The segments billing customers belong to (for the customers page's filter)."""

    def compute() -> list[str]:
        rows = _list_rows(
            snapshot,
            f"select distinct segment from {_LIST} where segment is not null order by 1",
            [],
        )
        return [str(r["segment"]) for r in rows]

    return snapshot.memo(("segments",), compute)


def customer_names(snapshot: Build) -> dict[str, str]:
    """Each customer id's display name (its id where it has none), for lists that carry
    only ids (the deferred-revenue balances), so a page shows people names, not keys."""

    def compute() -> dict[str, str]:
        rows = snapshot.rows(
            "select customer_id, max(coalesce(nullif(customer_name, ''), customer_id)) as name "
            "from gold.dim_customer group by customer_id"
        )
        return {str(r["customer_id"]): str(r["name"]) for r in rows}

    return snapshot.memo(("customer-names",), compute)
