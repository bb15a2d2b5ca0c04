-- Grain: one row per invoice per month end (invoice_id, month_end_date) at which the
-- invoice has an open balance: the rows of fct_ar_open_invoices_native (balance, days past
-- due, aging bucket, uncollectible flag in the invoice currency) with
--   open_balance_rc   in var reporting_currency at the rate of the month's last day (the
--                     latest known rate on or before it, cross rate through USD), rounded
--                     half away from zero: the FX convention of gold/revenue.
-- Converted whole in one pass (one row per native row: the day's rates are unique per
-- currency and day): a day's rate for the current month end moves every open invoice in
-- that currency, so the conversion is not worth cutting; the aging itself is partitioned.
{% set rc = var('reporting_currency') | upper %}
with native as (
  select * from {{ ref('fct_ar_open_invoices_native') }}
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
