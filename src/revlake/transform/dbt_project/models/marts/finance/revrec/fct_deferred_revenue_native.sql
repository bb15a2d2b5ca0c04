-- Grain: one row per customer × calendar month × currency (customer_id, month_start_date,
-- currency), every month from the customer's first billing or recognition month to its
-- last: the deferred revenue roll-forward of billing-driven recognition, in the invoice
-- currency (fct_deferred_revenue_monthly adds the reporting currency).
--   billed     = Σ net of the invoice lines invoiced in the month (invoice date)
--   recognised = Σ fct_revenue_schedule.recognised_amount of the month (net of revenue
--                reversed by credits larger than the unrecognised balance)
--   contra     = Σ revenue part of credit notes issued in the month
--   closing    = opening + billed − recognised − contra; opening = previous closing
-- A negative balance is revenue recognised before it was billed (billing in arrears).
-- Partitioned by customer (macros/partitioned.sql): an incremental build recomputes the
-- customers whose schedule rows changed. The FX conversion is kept apart (it moves every
-- future month of every customer in a currency each day a rate arrives).
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_partitions('customer_id', revlake.deferred_revenue_partition_inputs()) }}",
    post_hook="{{ revlake.keep_partition_hashes(revlake.deferred_revenue_partition_inputs()) }}"
) }}
with schedule as (
  select invoice_line_id, customer_id, currency, invoice_date, line_net_amount,
    month_start_date, recognised_amount, credited_amount
  from {{ ref('fct_revenue_schedule') }}
  where {{ revlake.in_changed_partitions('customer_id') }}
),

billed as (
  select
    customer_id,
    currency,
    {{ revlake.month_start('invoice_date') }} as month_start_date,
    sum(line_net_amount) as billed
  from (
    select distinct invoice_line_id, customer_id, currency, invoice_date, line_net_amount
    from schedule
  ) as billed_lines
  group by customer_id, currency, {{ revlake.month_start('invoice_date') }}
),

moved as (
  select
    customer_id,
    currency,
    month_start_date,
    sum(recognised_amount) as recognised,
    sum(credited_amount) as contra
  from schedule
  group by customer_id, currency, month_start_date
),

activity as (
  select customer_id, currency, month_start_date from billed
  union
  select customer_id, currency, month_start_date from moved
),

ranges as (
  select
    customer_id,
    currency,
    min(month_start_date) as first_month,
    max(month_start_date) as last_month
  from activity
  group by customer_id, currency
),

customer_months as (
  -- every month from the customer's first to its last, within the calendar's bounds
  select customer_id, currency, month_start_date
  from (
    select
      customer_id,
      currency,
      {{ revlake.month_series('first_month', 'last_month') }} as month_start_date
    from ranges
  ) as spans
  where month_start_date >= cast('{{ var('date_spine_start', '2000-01-01') }}' as date)
    and month_start_date < cast('{{ var('date_spine_end', '2036-01-01') }}' as date)
),

dense as (
  select
    m.customer_id,
    m.currency,
    m.month_start_date,
    cast(coalesce(b.billed, 0) as decimal(18, 2)) as billed,
    cast(coalesce(mv.recognised, 0) as decimal(18, 2)) as recognised,
    cast(coalesce(mv.contra, 0) as decimal(18, 2)) as contra
  from customer_months as m
  left join billed as b
    on b.customer_id = m.customer_id and b.currency = m.currency
    and b.month_start_date = m.month_start_date
  left join moved as mv
    on mv.customer_id = m.customer_id and mv.currency = m.currency
    and mv.month_start_date = m.month_start_date
),

rolled as (
  select
    dense.*,
    {{ revlake.month_end('month_start_date') }} as month_end_date,
    cast(sum(billed - recognised - contra) over (
      partition by customer_id, currency order by month_start_date
      rows between unbounded preceding and current row
    ) as decimal(18, 2)) as closing
  from dense
)

select
  customer_id,
  month_start_date,
  month_end_date,
  currency,
  cast(closing - (billed - recognised - contra) as decimal(18, 2)) as opening,
  billed,
  recognised,
  contra,
  closing
from rolled
