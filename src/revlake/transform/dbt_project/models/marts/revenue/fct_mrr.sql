-- Grain: one row per customer per month (customer_key, month_start_date) for every month
-- the customer pays (mrr > 0) and for the month right after a paying month in which they
-- no longer pay (the churn month, mrr = 0), up to the as-of month.
-- mrr is in the customer's currency; mrr_rc in var reporting_currency at the FX rate of
-- the month's last day (cross rate through USD): mrr_rc = round(mrr × rate, 2).
-- customer_key joins dim_customer ('<source_system>:<customer id>').
-- Partitioned by month (macros/partitioned.sql): an incremental build recomputes the months
-- whose customer months, as-of month or month-end FX rate changed (a day's rate moves the
-- current month only).
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_partitions('month_start_date', revlake.mrr_partition_inputs()) }}",
    post_hook="{{ revlake.keep_partition_hashes(revlake.mrr_partition_inputs()) }}"
) }}
{% set rc = var('reporting_currency') | upper %}
with months as (
  -- the months recomputed and the months before them (churn months follow a paying one)
  select * from {{ ref('int_customer_months_aggregated') }}
  where {{ revlake.in_changed_partitions('month_start_date') }}
    or {{ revlake.in_changed_partitions(revlake.add_months('month_start_date', 1)) }}
),

as_of as (
  select {{ revlake.month_start('max(as_of_date)') }} as as_of_month
  from {{ ref('int_subscription_periods') }}
),

paying as (
  select customer_key, customer_id, month_start_date, month_end_date, currency, mrr
  from months
  where mrr > 0
),

churn_months as (
  -- the month after a paying month that is not itself a paying month
  select
    p.customer_key,
    p.customer_id,
    {{ revlake.add_months('p.month_start_date', 1) }} as month_start_date,
    p.currency
  from paying as p
  cross join as_of
  left join paying as nxt
    on nxt.customer_key = p.customer_key
    and nxt.month_start_date = {{ revlake.add_months('p.month_start_date', 1) }}
  where nxt.customer_key is null
    and {{ revlake.add_months('p.month_start_date', 1) }} <= as_of.as_of_month
),

customer_months as (
  select customer_key, customer_id, month_start_date, currency, mrr from paying
  union all
  select customer_key, customer_id, month_start_date, currency, cast(0 as decimal(18, 2)) as mrr
  from churn_months
),

rates as (
  -- each rate with the days it is the latest known rate for: [valid_from, valid_to)
  select currency, valid_from, valid_to, rate_to_usd
  from {{ ref('int_fx__rate_ranges') }}
),

with_dates as (
  select
    cm.*,
    {{ revlake.month_end('cm.month_start_date') }} as month_end_date
  from customer_months as cm
),

month_currencies as (
  -- the few (month end, currency) pairs needed: the range join runs on these only
  select distinct month_end_date, currency from with_dates
  union
  select distinct month_end_date, '{{ rc }}' as currency from with_dates
),

month_rates as (
  select mc.month_end_date, mc.currency, fx.rate_to_usd
  from month_currencies as mc
  inner join rates as fx
    on fx.currency = mc.currency
    and mc.month_end_date >= fx.valid_from
    and mc.month_end_date < fx.valid_to
),

with_rates as (
  select
    w.*,
    case
      when w.currency = '{{ rc }}' then cast(1 as decimal(18, 6))
      when w.currency = 'USD' then cast(1 as decimal(18, 6))
      else fx.rate_to_usd
    end as rate_to_usd,
    case
      when '{{ rc }}' = 'USD' or w.currency = '{{ rc }}' then cast(1 as decimal(18, 6))
      else fx_rc.rate_to_usd
    end as rc_rate_to_usd
  from with_dates as w
  left join month_rates as fx
    on fx.currency = w.currency and fx.month_end_date = w.month_end_date
  left join month_rates as fx_rc
    on fx_rc.currency = '{{ rc }}' and fx_rc.month_end_date = w.month_end_date
),

converted as (
  select
    with_rates.*,
    -- the rate of the customer's currency into the reporting currency on the month end
    case when w_same then cast(1 as decimal(18, 6)) else rate_to_usd end as fx_from,
    case when w_same then cast(1 as decimal(18, 6)) else rc_rate_to_usd end as fx_to
  from (
    select *, currency = '{{ rc }}' as w_same from with_rates
  ) as with_rates
)

select
  customer_id,
  customer_key,
  month_start_date,
  month_end_date,
  currency,
  mrr,
  '{{ rc }}' as reporting_currency,
  {{ revlake.convert_money('mrr', 'fx_from', 'fx_to') }} as mrr_rc,
  mrr > 0 as is_paying,
  fx_from as fx_rate_to_usd,
  fx_to as reporting_rate_to_usd
from converted
where {{ revlake.in_changed_partitions('month_start_date') }}
