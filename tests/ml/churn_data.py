"""A small synthetic subscription company as the gold/silver tables the churn model reads.

Customers start over 30 months (monthly billing, invoices on the 1st, due in 14 days).
Each month a paying customer requests cancellation with hazard
h = σ(−3.6 + 0.9 × SMB + 1.4 × [failed payment in the last 90 days] − 0.04 × tenure);
cards fail with a per-customer probability (a failed charge, then a successful retry);
a request in month m is `canceled_at` mid-m, the subscription ends at the end of m, the
customer pays m and has a churn row (mrr 0) in m+1. `hazards` holds the true h per
customer and month (the oracle). Everything is numpy + DuckDB: a fraction of a second.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

MONTHS = 36
START = date(2022, 1, 1)


def _month(m: int) -> date:
    return date(START.year + (START.month - 1 + m) // 12, (START.month - 1 + m) % 12 + 1, 1)


def build_company(path: Path, customers: int = 900, seed: int = 5) -> dict[tuple[str, int], float]:
    """Write the tables to a DuckDB file; return the true hazards {(customer, month idx)}."""
    rng = np.random.default_rng(seed)
    mrr_rows, mov_rows, dim_rows, inv_rows, line_rows = [], [], [], [], []
    charge_rows, sub_rows, refund_rows = [], [], []
    hazards: dict[tuple[str, int], float] = {}
    for c in range(customers):
        cid = f"cus_{c:05d}"
        start = int(rng.integers(0, MONTHS - 6))
        smb = bool(rng.random() < 0.5)
        fail_p = float(rng.choice([0.02, 0.35], p=[0.8, 0.2]))
        price = float(rng.choice([50.0, 200.0, 800.0]))
        dim_rows.append((f"stripe:{cid}", cid, "smb" if smb else "enterprise", "stripe"))
        last_fail = -99
        canceled: date | None = None
        for m in range(start, MONTHS):
            month = _month(m)
            inv = f"in_{c:05d}_{m:02d}"
            end = _month(m + 1)
            reason = "subscription_create" if m == start else "subscription_cycle"
            discount = 10.0 if m - start < 3 else 0.0
            inv_rows.append(
                (inv, cid, month, month + timedelta(days=14), month, end, reason, discount)
            )
            line_rows.append((inv, 1, discount, "prod_a"))
            if rng.random() < fail_p:
                charge_rows.append((f"ch_{inv}_f", cid, inv, "failed", month))
                last_fail = m
            charge_rows.append((f"ch_{inv}", cid, inv, "succeeded", month + timedelta(days=3)))
            mrr_rows.append((cid, month, price))
            if m == start:
                mov_rows.append((cid, month, "new", price))
            tenure = m - start
            recent_fail = 1.0 if m - last_fail <= 2 else 0.0
            y = -3.6 + 0.9 * smb + 1.4 * recent_fail - 0.04 * tenure
            h = 1.0 / (1.0 + np.exp(-y))
            month_idx = int(np.datetime64(month, "M").astype(np.int64))
            hazards[(cid, month_idx)] = float(h)
            if m < MONTHS - 1 and rng.random() < h:
                canceled = month + timedelta(days=14)
                sub_rows.append((cid, canceled, end - timedelta(days=1)))
                mrr_rows.append((cid, end, 0.0))
                mov_rows.append((cid, end, "churn", -price))
                break
        if canceled is None:
            sub_rows.append((cid, None, None))
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema gold; create schema silver")

        def load(name: str, columns: str, rows: list[tuple[object, ...]]) -> None:
            con.execute(f"create table {name} ({columns})")
            if rows:
                names = [part.split()[0] for part in columns.split(",")]
                data = pa.table({n: [row[i] for row in rows] for i, n in enumerate(names)})
                con.register("_rows", data)
                con.execute(f"insert into {name} select * from _rows")
                con.unregister("_rows")

        load("gold.fct_mrr", "customer_id varchar, month_start_date date, mrr_rc double", mrr_rows)
        load(
            "gold.fct_mrr_movements",
            "customer_id varchar, month_start_date date, movement_type varchar, amount_rc double",
            mov_rows,
        )
        load(
            "gold.dim_customer",
            "customer_key varchar, customer_id varchar, segment varchar, source_system varchar",
            dim_rows,
        )
        con.execute("alter table gold.dim_customer add column linked_account_key varchar")
        load(
            "silver.stg_stripe__invoices",
            "invoice_id varchar, customer_id varchar, invoice_date date, due_date date, "
            "period_start_at timestamp, period_end_at timestamp, billing_reason varchar, "
            "discount_amount double",
            inv_rows,
        )
        con.execute(
            "alter table silver.stg_stripe__invoices add column is_valid_invoice boolean "
            "default true"
        )
        load(
            "silver.stg_stripe__invoice_lines",
            "invoice_id varchar, quantity integer, discount_amount double, product_id varchar",
            line_rows,
        )
        con.execute(
            "alter table silver.stg_stripe__invoice_lines add column is_valid_line boolean "
            "default true; alter table silver.stg_stripe__invoice_lines add column "
            "is_proration boolean default false"
        )
        load(
            "silver.stg_stripe__products",
            "product_id varchar, product_name varchar",
            [("prod_a", "Growth")],
        )
        load(
            "silver.stg_stripe__charges",
            "charge_id varchar, customer_id varchar, invoice_id varchar, status varchar, "
            "charge_date date",
            charge_rows,
        )
        load("silver.stg_stripe__refunds", "charge_id varchar, refund_date date", refund_rows)
        # usage carries no signal here (the hazard ignores it); it exercises the features
        usage_rows = [(cid, month, 10, 5, 60, 0.5, True) for cid, month, mrr in mrr_rows if mrr > 0]
        load(
            "silver.int_product_usage",
            "customer_id varchar, month_start_date date, seats bigint, active_users bigint, "
            "sessions bigint, active_share double, is_valid boolean",
            usage_rows,
        )
        load(
            "silver.stg_stripe__subscriptions",
            "customer_id varchar, canceled_at timestamp, ended_at timestamp",
            sub_rows,
        )
        con.execute(
            "alter table silver.stg_stripe__subscriptions add column is_valid_subscription "
            "boolean default true"
        )
        channels = [("google_ads", _month(m), 1000.0, 4, 800.0) for m in range(MONTHS)] + [
            ("web", _month(m), 0.0, 3, 300.0) for m in range(MONTHS)
        ]
        load(
            "gold.fct_channel_performance",
            "channel_key varchar, month_start_date date, spend_rc double, new_customers "
            "integer, new_mrr_rc double",
            channels,
        )
    finally:
        con.close()
    return hazards
