-- Grain: one row per customer per month in which at least one subscription period of
-- theirs covers the month's last day (customer_key, month_start_date), up to the as-of
-- month (the month of the latest date any source knows: int_subscription_periods).
-- mrr = sum of those periods' mrr, in the customer's currency. customer_key is
-- '<source_system>:<customer_id>', so customers of different sources never merge.
-- Partitioned by customer (macros/partitioned.sql): an incremental build recomputes only the
-- customers whose subscription periods changed, and every customer when the as-of month
-- moves.
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_partitions('customer_key', revlake.customer_months_partition_inputs()) }}",
    post_hook="{{ revlake.keep_partition_hashes(revlake.customer_months_partition_inputs()) }}"
) }}
with lines as (
  select
    source_system,
    customer_id,
    customer_key,
    currency,
    mrr as line_mrr,
    start_date as service_start_date,
    counts_until_date
  from {{ ref('int_subscription_periods') }}
  where is_mrr_line and {{ revlake.in_changed_partitions('customer_key') }}
),

as_of as (
  select {{ revlake.month_start('max(as_of_date)') }} as as_of_month
  from {{ ref('int_subscription_periods') }}
),

line_months as (
  -- each month from the period's first to its last, or to the as-of month for a period
  -- still open
  select
    l.source_system,
    l.customer_id,
    l.customer_key,
    l.currency,
    l.line_mrr,
    l.service_start_date,
    l.counts_until_date,
    {{ revlake.month_series(
        revlake.month_start('l.service_start_date'),
        'least(' ~ revlake.month_start('l.counts_until_date') ~ ', as_of.as_of_month)') }}
      as month_start_date
  from lines as l
  cross join as_of
),

covered as (
  select
    lm.*,
    {{ revlake.month_end('lm.month_start_date') }} as month_end_date
  from line_months as lm
)

select
  c.customer_key,
  max(c.source_system) as source_system,
  max(c.customer_id) as customer_id,
  c.month_start_date,
  max(c.month_end_date) as month_end_date,
  max(c.currency) as currency,
  count(distinct c.currency) as currency_count,
  cast(sum(c.line_mrr) as decimal(18, 2)) as mrr,
  count(*) as line_count
from covered as c
cross join as_of
where c.month_end_date >= c.service_start_date
  and c.month_end_date < c.counts_until_date
  and c.month_start_date <= as_of.as_of_month
group by c.customer_key, c.month_start_date
