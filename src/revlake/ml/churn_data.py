"""The churn panel: one row per paying customer and month, features as of that month's end.

For customer c paying in month M (gold `fct_mrr`, mrr > 0) every feature uses only what
was known on the last day of M: tenure, MRR now and its trend over 1 and 3 months, MRR
movements (expansions, contractions, reactivation) up to M, the billing interval and the
days to the next renewal of the latest subscription invoice issued by then, discounts on
invoices issued in the last 3 months (and a discount that ended in the 3 months before),
the plan, seats and whether the latest invoice carries a discount, failed card payments
in the last 90 days, payments made after the due date in the last 180 days, refunds in
the last 180 days, the customer's segment (CRM account), and product usage when a usage
export is landed (share of seats active in M and over M−2 … M, its change over 3 months,
sessions per active user over 3 months; missing without usage data).

The label is "churns within the horizon": one of the customer's subscriptions is cancelled
(Stripe `canceled_at`: the customer's cancellation request, or an involuntary
cancellation after failed payments) in month M+1 … M+H. That is the decision to leave;
the MRR stops later, at the end of the paid period (up to a year later for annual
plans), which no feature as of M could time. A customer whose cancellation is already
pending at the end of M (cancelled, not yet ended) is `cancelling`: certain to churn, so
not a modelling row; scoring reports them apart. The label is known only when
M + H ≤ the as-of month (the last month in `fct_mrr`); later rows are the ones to score.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
from numpy.typing import NDArray

from revlake.errors import InputError
from revlake.reader.tables import BILLING_CUSTOMERS_CTE

NUMERIC_FEATURES = (
    "tenure_months",
    "mrr",
    "mrr_change_1m",
    "mrr_change_3m",
    "expansions_6m",
    "contractions_6m",
    "expansions_total",
    "contractions_total",
    "seats",
    "seats_change_3m",
    "discount_now",
    "months_since_contraction",
    "reactivated",
    "annual_billing",
    "days_to_renewal",
    "discounted_invoices_3m",
    "discount_ended_3m",
    "failed_payments_90d",
    "late_payments_180d",
    "refunds_180d",
    "active_share",
    "active_share_3m",
    "active_share_change_3m",
    "sessions_per_active_user_3m",
)
CATEGORICAL_FEATURES = ("segment", "plan")
FEATURE_NAMES = (*CATEGORICAL_FEATURES, *NUMERIC_FEATURES)
SEGMENTS = ("smb", "mid-market", "enterprise")
PLANS = ("starter", "growth", "business", "enterprise")
VOCABULARIES = {"segment": SEGMENTS, "plan": PLANS}

_PANEL_SQL = f"""
with {BILLING_CUSTOMERS_CTE},
mrr as (
  select customer_id, month_start_date as m, cast(mrr_rc as double) as mrr
  from gold.fct_mrr
),
as_of as (select max(m) as as_of from mrr),
paying as (select * from mrr where mrr > 0),
firsts as (select customer_id, min(m) as first_m from paying group by 1),
subs as (
  select customer_id, canceled_at, ended_at from silver.stg_stripe__subscriptions
  where is_valid_subscription and canceled_at is not null
),
mov as (
  select customer_id, month_start_date as m, movement_type as t
  from gold.fct_mrr_movements
),
seg as (
  select customer_id, lower(coalesce(segment)) as segment
  from billing_customers
),
inv as (
  select customer_id, invoice_date, due_date, period_start_at, period_end_at,
         billing_reason, coalesce(discount_amount, 0) > 0 as discounted, invoice_id
  from silver.stg_stripe__invoices where is_valid_invoice
),
ch as (select * from silver.stg_stripe__charges),
usage as (
  select customer_id, month_start_date as m, active_share, active_users, sessions
  from silver.int_product_usage where is_valid
),
lines as (
  select i.customer_id, i.invoice_date, l.quantity,
         coalesce(l.discount_amount, 0) > 0 as discounted, lower(pr.product_name) as plan
  from silver.stg_stripe__invoice_lines l
  join inv i using (invoice_id)
  left join silver.stg_stripe__products pr on pr.product_id = l.product_id
  where l.is_valid_line and not l.is_proration
),
base as (
  select p.customer_id, p.m, p.mrr, last_day(p.m) as d, f.first_m
  from paying p join firsts f using (customer_id)
)
select
  b.customer_id,
  b.m as month_start_date,
  coalesce(s.segment, '') as segment,
  date_diff('month', b.first_m, b.m) as tenure_months,
  b.mrr,
  b.mrr - coalesce((select q.mrr from mrr q where q.customer_id = b.customer_id
                    and q.m = b.m - interval 1 month), 0) as mrr_change_1m,
  b.mrr - coalesce((select q.mrr from mrr q where q.customer_id = b.customer_id
                    and q.m = b.m - interval 3 month), 0) as mrr_change_3m,
  (select count(*) from mov v where v.customer_id = b.customer_id and v.t = 'expansion'
     and v.m > b.m - interval 6 month and v.m <= b.m) as expansions_6m,
  (select count(*) from mov v where v.customer_id = b.customer_id and v.t = 'contraction'
     and v.m > b.m - interval 6 month and v.m <= b.m) as contractions_6m,
  (select date_diff('month', max(v.m), b.m) from mov v where v.customer_id = b.customer_id
     and v.t = 'contraction' and v.m <= b.m) as months_since_contraction,
  (select count(*) from mov v where v.customer_id = b.customer_id and v.t = 'expansion'
     and v.m <= b.m) as expansions_total,
  (select count(*) from mov v where v.customer_id = b.customer_id and v.t = 'contraction'
     and v.m <= b.m) as contractions_total,
  (select arg_max(l.quantity, l.invoice_date) from lines l
     where l.customer_id = b.customer_id and l.invoice_date <= b.d) as seats,
  (select arg_max(l.quantity, l.invoice_date) from lines l
     where l.customer_id = b.customer_id and l.invoice_date <= b.d)
   - (select arg_max(l.quantity, l.invoice_date) from lines l
     where l.customer_id = b.customer_id and l.invoice_date <= b.d - interval 3 month)
     as seats_change_3m,
  (select arg_max(l.discounted, l.invoice_date) from lines l
     where l.customer_id = b.customer_id and l.invoice_date <= b.d) as discount_now,
  (select arg_max(l.plan, l.invoice_date) from lines l
     where l.customer_id = b.customer_id and l.invoice_date <= b.d) as plan,
  (select count(*) from mov v where v.customer_id = b.customer_id and v.t = 'reactivation'
     and v.m <= b.m) > 0 as reactivated,
  (select arg_max(date_diff('day', i.period_start_at, i.period_end_at) > 62, i.invoice_date)
     from inv i where i.customer_id = b.customer_id and i.invoice_date <= b.d
     and i.billing_reason in ('subscription_create', 'subscription_cycle'))
     as annual_billing,
  (select date_diff('day', b.d, arg_max(cast(i.period_end_at as date), i.invoice_date))
     from inv i where i.customer_id = b.customer_id and i.invoice_date <= b.d
     and i.billing_reason in ('subscription_create', 'subscription_cycle'))
     as days_to_renewal,
  (select count(*) from inv i where i.customer_id = b.customer_id and i.discounted
     and i.invoice_date <= b.d and i.invoice_date > b.d - interval 3 month)
     as discounted_invoices_3m,
  (select count(*) filter (where i.discounted and i.invoice_date <= b.d - interval 3 month)
          > 0 and count(*) filter (where i.discounted and i.invoice_date > b.d - interval 3 month)
          = 0
     from inv i where i.customer_id = b.customer_id and i.invoice_date <= b.d
     and i.invoice_date > b.d - interval 6 month) as discount_ended_3m,
  (select count(*) from ch c where c.customer_id = b.customer_id and c.status = 'failed'
     and c.charge_date <= b.d and c.charge_date > b.d - interval 90 day)
     as failed_payments_90d,
  (select count(*) from ch c join inv i using (invoice_id)
     where c.customer_id = b.customer_id and c.status = 'succeeded'
     and c.charge_date > i.due_date and c.charge_date <= b.d
     and c.charge_date > b.d - interval 180 day) as late_payments_180d,
  (select count(*) from silver.stg_stripe__refunds r join ch c using (charge_id)
     where c.customer_id = b.customer_id and r.refund_date <= b.d
     and r.refund_date > b.d - interval 180 day) as refunds_180d,
  (select u.active_share from usage u where u.customer_id = b.customer_id and u.m = b.m)
     as active_share,
  (select avg(u.active_share) from usage u where u.customer_id = b.customer_id
     and u.m > b.m - interval 3 month and u.m <= b.m) as active_share_3m,
  (select u.active_share from usage u where u.customer_id = b.customer_id and u.m = b.m)
   - (select u.active_share from usage u where u.customer_id = b.customer_id
     and u.m = b.m - interval 3 month) as active_share_change_3m,
  (select cast(sum(u.sessions) as double) / nullif(sum(u.active_users), 0) from usage u
     where u.customer_id = b.customer_id and u.m > b.m - interval 3 month and u.m <= b.m)
     as sessions_per_active_user_3m,
  (select min(date_trunc('month', s.canceled_at)) from subs s
     where s.customer_id = b.customer_id and cast(s.canceled_at as date) > b.d)
     as next_churn_month,
  exists (select 1 from subs s where s.customer_id = b.customer_id
     and cast(s.canceled_at as date) <= b.d
     and (s.ended_at is null or cast(s.ended_at as date) > b.d)) as cancelling,
  a.as_of
from base b
cross join as_of a
left join seg s using (customer_id)
order by b.m, b.customer_id
"""

FloatMatrix = NDArray[np.float64]


@dataclass(frozen=True)
class ChurnPanel:
    """Customer-months with features, month indexes and the next churn month."""

    customer_id: NDArray[np.object_]
    month: NDArray[np.int64]  # months since 1970-01 of the scoring month
    x: FloatMatrix  # columns = FEATURE_NAMES (categories coded by VOCABULARIES, NaN unknown)
    next_churn: NDArray[np.int64]  # month of the next cancellation after M; -1: none
    as_of: int  # month index of the last month in fct_mrr
    mrr: NDArray[np.float64]
    cancelling: NDArray[np.bool_]

    @property
    def n(self) -> int:
        return int(self.month.size)

    def label(self, horizon_months: int) -> NDArray[np.int8]:
        """1 when a cancellation falls in month M+1 … M+horizon."""
        churn = (self.next_churn > self.month) & (self.next_churn <= self.month + horizon_months)
        return churn.astype(np.int8)

    def labelled(self, horizon_months: int) -> NDArray[np.bool_]:
        """Rows not cancelling whose whole horizon lies within the data (M + H ≤ as-of)."""
        mask: NDArray[np.bool_] = (self.month + horizon_months <= self.as_of) & ~self.cancelling
        return mask

    def subset(self, rows: NDArray[np.bool_] | NDArray[np.int64]) -> ChurnPanel:
        return ChurnPanel(
            customer_id=self.customer_id[rows],
            month=self.month[rows],
            x=self.x[rows],
            next_churn=self.next_churn[rows],
            as_of=self.as_of,
            mrr=self.mrr[rows],
            cancelling=self.cancelling[rows],
        )


def month_index(values: NDArray[np.object_] | list[object]) -> NDArray[np.int64]:
    """Dates (or datetime64) → months since 1970-01."""
    arr = np.asarray(values, dtype="datetime64[M]")
    return arr.astype(np.int64)


def month_label(index: int) -> str:
    """Month index → 'YYYY-MM-01'."""
    return f"{np.datetime64(int(index), 'M')}-01"


class NoCustomerMonths(InputError):
    """The build has no customer-month history (a snapshot tenant: revlake.ml.churn_snapshot)."""


def load_panel(con: duckdb.DuckDBPyConnection) -> ChurnPanel:
    """Build the panel from a build's gold and silver tables (read-only)."""
    try:
        table = con.sql(_PANEL_SQL).to_arrow_table()
    except duckdb.CatalogException as exc:
        raise InputError(f"the build lacks a table the churn model needs: {exc}") from exc
    if table.num_rows == 0:
        raise NoCustomerMonths("no paying customer-months in gold.fct_mrr: nothing to model")
    cols = table.to_pydict()
    categorical = [
        np.array(
            [
                float(VOCABULARIES[name].index(v)) if v in VOCABULARIES[name] else np.nan
                for v in cols[name]
            ]
        )
        for name in CATEGORICAL_FEATURES
    ]
    numeric = [
        np.array([np.nan if v is None else float(v) for v in cols[name]], dtype=np.float64)
        for name in NUMERIC_FEATURES
    ]
    x = np.column_stack([*categorical, *numeric])
    nxt = cols["next_churn_month"]
    next_churn = np.array(
        [-1 if v is None else int(month_index([v])[0]) for v in nxt], dtype=np.int64
    )
    return ChurnPanel(
        customer_id=np.array(cols["customer_id"], dtype=object),
        month=month_index(cols["month_start_date"]),
        x=x,
        next_churn=next_churn,
        as_of=int(month_index([cols["as_of"][0]])[0]),
        mrr=np.array(cols["mrr"], dtype=np.float64),
        cancelling=np.array(cols["cancelling"], dtype=bool),
    )
