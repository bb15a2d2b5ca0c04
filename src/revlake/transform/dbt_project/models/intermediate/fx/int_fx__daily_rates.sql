-- Grain: one row per currency and calendar day (currency, rate_day) from the currency's
-- first known rate up to but excluding var('date_spine_end') (default 2036-01-01): the
-- latest rate known on or before the day (int_fx__rate_ranges). Models convert money of
-- a day by an equality join on (currency, day) here: a range join of many rows against
-- the rate ranges is what made the finance models slow.
with ranges as (
  select currency, valid_from, valid_to, rate_to_usd
  from {{ ref('int_fx__rate_ranges') }}
),

spine as (
  {{ dbt.date_spine(
      'day',
      "cast('" ~ var('date_spine_start', '2000-01-01') ~ "' as date)",
      "cast('" ~ var('date_spine_end', '2036-01-01') ~ "' as date)") }}
),

days as (
  select cast(date_day as date) as rate_day from spine
)

select r.currency, d.rate_day, r.rate_to_usd
from days as d
inner join ranges as r
  on d.rate_day >= r.valid_from and d.rate_day < r.valid_to
