-- Grain: one row per invoice per month end (invoice_id, month_end_date) at which the
-- invoice has an open balance: the rows of fct_ar_open_invoices_native (balance, days past
-- due, aging bucket, uncollectible flag in the invoice currency) with
--   open_balance_rc   in var reporting_currency at the rate of the month's last day (the
--                     latest known rate on or before it, cross rate through USD), rounded
--                     half away from zero: the FX convention of gold/revenue.
-- Partitioned by month end (macros/partitioned.sql): an incremental build recomputes the
-- month ends whose aging rows or rates changed. A day's rate is the month-end rate of a
-- month end on or after it only, so it moves no reported month end but the day's own, on
-- a month's last day (then every open invoice in that currency); a late payment moves
-- the month ends it falls before.
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_partitions('month_end_date', revlake.month_conversion_partition_inputs('fct_ar_open_invoices_native', 'month_end_date', 'month_end_date')) }}",
    post_hook="{{ revlake.keep_partition_hashes(revlake.month_conversion_partition_inputs('fct_ar_open_invoices_native', 'month_end_date', 'month_end_date')) }}"
) }}
{% set rc = var('reporting_currency') | upper %}
with native as (
  select * from {{ ref('fct_ar_open_invoices_native') }}
  where {{ revlake.in_changed_partitions('month_end_date') }}
),

with_rates as (
  select
    native.*,
    {{ revlake.fx_rate_columns('native.currency') }}
  from native
  {{ revlake.fx_rate_joins('native.currency', 'native.month_end_date') }}
)

select
  invoice_id,
  month_end_date,
  month_start_date,
  invoice_number,
  customer_id,
  customer_key,
  currency,
  invoice_date,
  due_date,
  open_balance,
  days_past_due,
  aging_bucket,
  is_uncollectible,
  '{{ rc }}' as reporting_currency,
  {{ revlake.convert_money('open_balance', 'fx_from', 'fx_to') }} as open_balance_rc
from with_rates
