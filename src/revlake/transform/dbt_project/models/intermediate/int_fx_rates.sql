-- Grain: one row per currency and day (currency, rate_date): the data contract's
-- `fx_rates`, every source conformed. When two sources give a rate for the same day, the
-- built-in FX export wins over files mapped onto the contract.
with rates as (
  select 'fx' as source_system, 1 as priority, rate_date, currency, rate_to_usd
  from {{ ref('stg_fx__rates') }}
  union all
  select source_system, 2, rate_date, upper(currency), cast(rate_to_usd as decimal(18, 6))
  from {{ ref('stg_generic__fx_rates') }}
  where invalid_reason is null
),

ranked as (
  select
    rates.*,
    row_number() over (
      partition by currency, rate_date order by priority, source_system
    ) as rank_in_day
  from rates
)

select source_system, rate_date, currency, rate_to_usd
from ranked
where rank_in_day = 1
