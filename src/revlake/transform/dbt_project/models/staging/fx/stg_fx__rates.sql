-- Grain: one row per currency per calendar day: USD per one unit of the currency.
-- Source: fx_rates (date, currency, rate_to_usd). The latest record of a (date, currency)
-- wins. USD is always present at 1 even when the file omits it.
with src as (
  select
    {{ revlake.to_date('date') }} as rate_date,
    upper({{ revlake.clean_text('currency') }}) as currency,
    try_cast(nullif(trim(rate_to_usd), '') as decimal(18, 6)) as rate_to_usd,
    _loaded_at,
    _row_number
  from {{ revlake.bronze_table('fx_rates', ['date', 'currency', 'rate_to_usd', '_loaded_at', '_row_number']) }} as b
),

ranked as (
  select
    src.*,
    row_number() over (
      partition by rate_date, currency
      order by _loaded_at desc nulls last, cast(_row_number as bigint) desc nulls last
    ) as recency_rank
  from src
  where rate_date is not null and currency is not null and rate_to_usd > 0
),

usd_days as (
  select distinct rate_date, 'USD' as currency, cast(1 as decimal(18, 6)) as rate_to_usd
  from ranked
  where recency_rank = 1
)

select rate_date, currency, rate_to_usd
from ranked
where recency_rank = 1
union all
select rate_date, currency, rate_to_usd
from usd_days
where not exists (
  select 1 from ranked r
  where r.recency_rank = 1 and r.currency = 'USD' and r.rate_date = usd_days.rate_date
)
