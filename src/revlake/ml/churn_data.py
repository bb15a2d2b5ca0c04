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
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from revlake.errors import InputError, RevlakeError
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

# /*where_chunk*/ and /*and_chunk*/ mark where `load_panel` keeps one range of customer ids
# (every feature is per customer, so a customer's rows do not depend on the others');
# without a range they are empty and this is the whole panel query; /*base_filter*/ keeps
# the as-of month only (scoring)
_PANEL_CTES = f"""
with {BILLING_CUSTOMERS_CTE},
mrr as (
  select customer_id, month_start_date as m, cast(mrr_rc as double) as mrr
  from gold.fct_mrr /*where_chunk*/
),
as_of as (select max(month_start_date) as as_of from gold.fct_mrr),
paying as (select * from mrr where mrr > 0),
firsts as (select customer_id, min(m) as first_m from paying group by 1),
subs as (
  select customer_id, canceled_at, ended_at from silver.stg_stripe__subscriptions
  where is_valid_subscription and canceled_at is not null /*and_chunk*/
),
mov as (
  select customer_id, month_start_date as m, movement_type as t
  from gold.fct_mrr_movements /*where_chunk*/
),
seg as (
  select customer_id, lower(coalesce(segment)) as segment
  from billing_customers /*where_chunk*/
),
inv as (
  select customer_id, invoice_date, due_date, period_start_at, period_end_at,
         billing_reason, coalesce(discount_amount, 0) > 0 as discounted, invoice_id
  from silver.stg_stripe__invoices where is_valid_invoice /*and_chunk*/
),
due as (
  -- every valid invoice: a charge is matched to its invoice whoever the invoice's customer
  select invoice_id, due_date from silver.stg_stripe__invoices where is_valid_invoice
),
ch as (select * from silver.stg_stripe__charges /*where_chunk*/),
usage as (
  select customer_id, month_start_date as m, active_share, active_users, sessions
  from silver.int_product_usage where is_valid /*and_chunk*/
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
  /*base_filter*/
)
"""

# the panel's columns, one row per customer-month of `base`
_PANEL_SELECT = """
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
  (select count(*) from ch c join due i using (invoice_id)
     where c.customer_id = b.customer_id and c.status = 'succeeded'
     and c.charge_date > i.due_date and c.charge_date <= b.d
     and c.charge_date > b.d - interval 180 day) as late_payments_180d,
  (select count(*) from silver.stg_stripe__refunds r join ch c using (charge_id)
     where c.customer_id = b.customer_id and r.refund_date <= b.d
     and r.refund_date > b.d - interval 180 day) as refunds_180d,
  (select u.active_share from usage u where u.customer_id = b.customer_id and u.m = b.m)
     as active_share,
  (select avg(u.active_share order by u.m) from usage u where u.customer_id = b.customer_id
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

# rows DuckDB hands over at a time: the Arrow batch is converted into the panel's arrays
# and dropped, so only one batch of Arrow data is alive beside the arrays
BATCH_ROWS = 1 << 17
# customer-months a chunk of the panel query covers (whole customers): DuckDB holds
# about 6 kB a row of a chunk at once (1.4 / 2.2 / 3.6 GB peak at 125k / 250k / 500k
# rows a chunk, 100k customers: docs/PERFORMANCE.md "Churn panel memory")
CHUNK_ROWS = 250_000


@dataclass(frozen=True)
class ChurnPanel:
    """Customer-months with features, month indexes and the next churn month.

    Customer ids are stored once (`customers`) and referenced by a code per row: a
    Python string per customer-month would cost ~60 bytes a row at millions of rows.
    """

    customers: NDArray[np.object_]  # distinct customer ids (str)
    customer_code: NDArray[np.int32]  # per row: index into `customers`
    month: NDArray[np.int64]  # months since 1970-01 of the scoring month
    x: FloatMatrix  # columns = FEATURE_NAMES (categories coded by VOCABULARIES, NaN unknown)
    next_churn: NDArray[np.int64]  # month of the next cancellation after M; -1: none
    as_of: int  # month index of the last month in fct_mrr
    mrr: NDArray[np.float64]
    cancelling: NDArray[np.bool_]

    @property
    def n(self) -> int:
        return int(self.month.size)

    @property
    def customer_id(self) -> NDArray[np.object_]:
        """The customer id of each row (references to the strings of `customers`)."""
        ids: NDArray[np.object_] = self.customers[self.customer_code]
        return ids

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
            customers=self.customers,
            customer_code=self.customer_code[rows],
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


def panel_sql(*, as_of_only: bool = False) -> str:
    """The whole panel query; `as_of_only`: only the as-of month's customer-months."""
    return _ctes(as_of_only, chunked=False) + _PANEL_SELECT


def _ctes(as_of_only: bool, *, chunked: bool, bounded: bool = True) -> str:
    """The CTEs; `chunked`: customer ids from $lo (and below $hi when `bounded`) only."""
    chunk = ""
    if chunked:
        chunk = "customer_id >= $lo" + (" and customer_id < $hi" if bounded else "")
    return (
        _PANEL_CTES.replace("/*where_chunk*/", f"where {chunk}" if chunk else "")
        .replace("/*and_chunk*/", f"and {chunk}" if chunk else "")
        .replace("/*base_filter*/", "where p.m = (select as_of from as_of)" if as_of_only else "")
    )


def _months(column: pa.Array) -> NDArray[np.int64]:
    """A date or timestamp column → month indexes (null → -1)."""
    dates = column.to_numpy(zero_copy_only=False)
    months: NDArray[np.int64] = dates.astype("datetime64[M]").astype(np.int64)
    if column.null_count:
        months[column.is_null().to_numpy(zero_copy_only=False)] = -1
    return months


def _floats(column: pa.Array) -> NDArray[np.float64]:
    """A numeric or boolean column → float64 (null → NaN), as `float(value)` would."""
    values: NDArray[np.float64] = pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False)
    return values


def _codes(column: pa.Array, vocabulary: tuple[str, ...]) -> NDArray[np.float64]:
    """A category column → its index in `vocabulary` as a float (other values, null → NaN)."""
    return _floats(pc.index_in(column, value_set=pa.array(vocabulary, pa.string())))


@dataclass(frozen=True)
class _Plan:
    """Where each row of the panel goes, and the customer ranges to query one at a time."""

    n: int
    customers: pa.Array  # distinct customer ids, in the query's order
    bounds: list[tuple[str, str | None]]  # [lo, hi) per chunk; hi None: to the end
    months: NDArray[np.int64]  # distinct months, ascending
    month_rows: NDArray[np.int64]  # panel rows of each month
    month_start: NDArray[np.int64]  # first panel row of each month


def _plan(con: duckdb.DuckDBPyConnection, as_of_only: bool, chunk_rows: int) -> _Plan:
    """Count the panel's rows per customer and per month (cheap aggregates of `base`)."""
    ctes = _ctes(as_of_only, chunked=False)
    per_customer = con.sql(
        ctes + "select customer_id, count(*) as n from base group by 1 order by 1"
    ).to_arrow_table()
    per_month = con.execute(ctes + "select m, count(*) from base group by 1 order by 1").fetchall()
    counts = per_customer.column("n").to_numpy()
    ids = per_customer.column("customer_id").combine_chunks()
    # a new chunk starts at the customer where the running count passes a multiple
    ends = np.cumsum(counts)
    firsts = np.flatnonzero(np.diff(ends // max(chunk_rows, 1), prepend=0) > 0)
    starts = sorted({0, *firsts.tolist()}) if counts.size else []
    lows = [str(ids[i].as_py()) for i in starts]
    bounds = [(lo, lows[k + 1] if k + 1 < len(lows) else None) for k, lo in enumerate(lows)]
    sizes = np.array([c for _, c in per_month], dtype=np.int64)
    return _Plan(
        n=int(counts.sum()),
        customers=ids,
        bounds=bounds,
        months=month_index([m for m, _ in per_month]),
        month_rows=sizes,
        month_start=np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64),
    )


def _batches(
    con: duckdb.DuckDBPyConnection, as_of_only: bool, bounds: tuple[str, str | None]
) -> pa.RecordBatchReader:
    lo, hi = bounds
    sql = _ctes(as_of_only, chunked=True, bounded=hi is not None) + _PANEL_SELECT
    params = {"lo": lo} if hi is None else {"lo": lo, "hi": hi}
    return con.sql(sql, params=params).to_arrow_reader(BATCH_ROWS)


def load_panel(con: duckdb.DuckDBPyConnection, *, as_of_only: bool = False) -> ChurnPanel:
    """Build the panel from a build's gold and silver tables (read-only).

    The query runs over one range of customer ids at a time (about `CHUNK_ROWS`
    customer-months each), so DuckDB's memory for its correlated subqueries follows the
    chunk, not the whole panel (one query over 1.55M customer-months peaked at 8.7 GB).
    Each chunk streams in Arrow batches converted column by column into arrays allocated
    once for all rows; a row goes to its place in the panel's order (month, then customer
    id), from counts per month taken first. `as_of_only` keeps the as-of month's
    customer-months only (what scoring needs), each computed from the whole history.
    """
    try:
        plan = _plan(con, as_of_only, CHUNK_ROWS)
    except duckdb.CatalogException as exc:
        raise InputError(f"the build lacks a table the churn model needs: {exc}") from exc
    n = plan.n
    if n == 0:
        raise NoCustomerMonths("no paying customer-months in gold.fct_mrr: nothing to model")
    x = np.empty((n, len(FEATURE_NAMES)), dtype=np.float64)
    month = np.empty(n, dtype=np.int64)
    next_churn = np.empty(n, dtype=np.int64)
    mrr = np.empty(n, dtype=np.float64)
    cancelling = np.empty(n, dtype=np.bool_)
    code = np.empty(n, dtype=np.int32)
    filled = np.zeros(plan.months.size, dtype=np.int64)  # rows written so far per month
    as_of = -1
    for bounds in plan.bounds:
        for batch in _batches(con, as_of_only, bounds):
            if batch.num_rows == 0:
                continue
            # rows come ordered by month, then customer: each month's run of rows goes
            # after what earlier chunks (lower customer ids) wrote for that month
            months = _months(batch.column("month_start_date"))
            slot = np.searchsorted(plan.months, months)
            first = np.flatnonzero(np.diff(slot, prepend=-1))
            run = np.diff(np.append(first, slot.size))
            begin = plan.month_start[slot[first]] + filled[slot[first]]
            rows = np.repeat(begin - first, run) + np.arange(slot.size)
            np.add.at(filled, slot[first], run)
            if bool((filled > plan.month_rows).any()):
                raise RevlakeError("the churn panel query returned more rows than counted")
            for j, name in enumerate(FEATURE_NAMES):
                column = batch.column(name)
                if name in VOCABULARIES:
                    x[rows, j] = _codes(column, VOCABULARIES[name])
                else:
                    x[rows, j] = _floats(column)
            month[rows] = months
            next_churn[rows] = _months(batch.column("next_churn_month"))
            mrr[rows] = _floats(batch.column("mrr"))
            cancelling[rows] = batch.column("cancelling").to_numpy(zero_copy_only=False)
            found = pc.index_in(batch.column("customer_id"), value_set=plan.customers)
            code[rows] = found.to_numpy(zero_copy_only=False)
            if as_of < 0:
                as_of = int(_months(batch.column("as_of").slice(0, 1))[0])
    if int(filled.sum()) != n:
        raise RevlakeError(f"the churn panel query returned {int(filled.sum())} rows, {n} counted")
    return ChurnPanel(
        customers=np.array(plan.customers.to_pylist(), dtype=object),
        customer_code=code,
        month=month,
        x=x,
        next_churn=next_churn,
        as_of=as_of,
        mrr=mrr,
        cancelling=cancelling,
    )
