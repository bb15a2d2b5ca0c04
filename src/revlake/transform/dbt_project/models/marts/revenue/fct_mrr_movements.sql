-- Grain: one row per customer, month and movement type (customer_key, month_start_date,
-- movement_type) for every non-zero movement. Types: new, expansion, contraction, churn,
-- reactivation, fx_impact. Compares month M with M−1 (MRR 0 when absent):
--   new          0 → >0, never paid before            amount_rc = +mrr_rc
--   reactivation 0 → >0, paid before                  amount_rc = +mrr_rc
--   churn        >0 → 0                               amount_rc = −prev_mrr_rc
--   expansion / contraction: paying in both months, MRR in the customer's currency up /
--     down; amount_rc = mrr_rc − prev_mrr_rc − fx_impact
--   fx_impact    paying in both months: round(prev_mrr × rate_M, 2) − prev_mrr_rc
-- So the movements of a month sum exactly to the change in total mrr_rc (tested).
-- A customer whose currency changed between the months gets no fx_impact line; the whole
-- change in mrr_rc is expansion or contraction by its sign.
-- Partitioned by month (macros/partitioned.sql): an incremental build recomputes the months
-- whose MRR rows, or the MRR rows of the month before, changed.
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_partitions('month_start_date', revlake.mrr_movements_partition_inputs()) }}",
    post_hook="{{ revlake.keep_partition_hashes(revlake.mrr_movements_partition_inputs()) }}"
) }}
with cur as (
  -- the months recomputed and the months before them
  select * from {{ ref('fct_mrr') }}
  where {{ revlake.in_changed_partitions('month_start_date') }}
    or {{ revlake.in_changed_partitions(revlake.add_months('month_start_date', 1)) }}
),

first_paid as (
  -- over every month: a customer paying before the months recomputed is reactivated
  {{ revlake.first_paying_months() }}
),

compared as (
  select
    c.customer_key,
    c.customer_id,
    c.month_start_date,
    c.currency,
    c.reporting_currency,
    c.mrr,
    c.mrr_rc,
    coalesce(p.mrr, 0) as prev_mrr,
    coalesce(p.mrr_rc, 0) as prev_mrr_rc,
    p.currency as prev_currency,
    c.fx_rate_to_usd,
    c.reporting_rate_to_usd,
    f.first_paying_month
  from cur as c
  left join cur as p
    on p.customer_key = c.customer_key
    and p.month_start_date = {{ revlake.add_months('c.month_start_date', -1) }}
  left join first_paid as f on f.customer_key = c.customer_key
),

classified as (
  select
    compared.*,
    case
      when mrr > 0 and prev_mrr > 0 and currency = prev_currency
        then {{ revlake.convert_money('prev_mrr', 'fx_rate_to_usd', 'reporting_rate_to_usd') }}
          - prev_mrr_rc
      else cast(0 as decimal(18, 2))
    end as fx_impact_rc
  from compared
),

movements as (
  select
    customer_key, customer_id, month_start_date, reporting_currency,
    case when first_paying_month < month_start_date then 'reactivation' else 'new' end
      as movement_type,
    mrr as amount,
    currency,
    mrr_rc as amount_rc
  from classified
  where mrr > 0 and prev_mrr <= 0

  union all

  select
    customer_key, customer_id, month_start_date, reporting_currency,
    'churn' as movement_type,
    -prev_mrr as amount,
    prev_currency as currency,
    -prev_mrr_rc as amount_rc
  from classified
  where mrr <= 0 and prev_mrr > 0

  union all

  select
    customer_key, customer_id, month_start_date, reporting_currency,
    case
      when currency <> prev_currency and mrr_rc - prev_mrr_rc >= 0 then 'expansion'
      when currency <> prev_currency then 'contraction'
      when mrr > prev_mrr then 'expansion'
      else 'contraction'
    end as movement_type,
    case when currency = prev_currency then mrr - prev_mrr end as amount,
    currency,
    mrr_rc - prev_mrr_rc - fx_impact_rc as amount_rc
  from classified
  where mrr > 0 and prev_mrr > 0
    and (mrr <> prev_mrr or currency <> prev_currency)

  union all

  select
    customer_key, customer_id, month_start_date, reporting_currency,
    'fx_impact' as movement_type,
    cast(0 as decimal(18, 2)) as amount,
    currency,
    fx_impact_rc as amount_rc
  from classified
  where fx_impact_rc <> 0
)

select
  customer_id,
  customer_key,
  month_start_date,
  movement_type,
  currency,
  cast(amount as decimal(18, 2)) as amount,
  reporting_currency,
  cast(amount_rc as decimal(18, 2)) as amount_rc
from movements
where {{ revlake.in_changed_partitions('month_start_date') }}
