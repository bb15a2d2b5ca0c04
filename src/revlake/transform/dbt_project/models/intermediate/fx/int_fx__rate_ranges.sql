-- Grain: one row per currency and FX rate date (currency, valid_from): the rate of
-- stg_fx__rates with the half-open range of days [valid_from, valid_to) it is the latest
-- known rate for (valid_to = the next rate's date, 9999-12-31 for the last one).
-- A rate for day d is found with `d >= valid_from and d < valid_to`. Every model that
-- converts money (fct_mrr, fct_revenue_daily, the finance models) reads its rates here.
with rates as (
  select currency, rate_date, rate_to_usd
  from {{ ref('int_fx_rates') }}
),

ranged as (
  select
    currency,
    rate_date as valid_from,
    coalesce(
      lead(rate_date) over (partition by currency order by rate_date asc nulls last),
      cast('9999-12-31' as date)
    ) as valid_to,
    rate_to_usd
  from rates
)

select currency, valid_from, valid_to, rate_to_usd
from ranged
