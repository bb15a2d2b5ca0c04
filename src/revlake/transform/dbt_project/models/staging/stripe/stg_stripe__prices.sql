-- Grain: one row per Stripe price (price_id). Latest record per id wins.
-- months_per_interval: month × count, year × 12 × count (week/day prices: null, not MRR).
with src as (
  select *
  from {{ revlake.latest_record(revlake.bronze_table('stripe_prices', [
      'id', 'product_id', 'nickname', 'currency', 'unit_amount', 'interval', 'interval_count',
      'usage_type', 'active', 'created_utc', '_loaded_at', '_row_number']), 'id') }} as d
),

typed as (
  select
    {{ revlake.clean_text('id') }} as price_id,
    {{ revlake.clean_text('product_id') }} as product_id,
    {{ revlake.clean_text('nickname') }} as nickname,
    upper({{ revlake.clean_text('currency') }}) as currency,
    {{ revlake.to_money('unit_amount') }} as unit_amount,
    lower({{ revlake.clean_text('interval') }}) as billing_interval,
    coalesce({{ revlake.to_int('interval_count') }}, 1) as interval_count,
    coalesce(lower({{ revlake.clean_text('usage_type') }}), 'licensed') as usage_type,
    coalesce({{ revlake.to_bool('active') }}, true) as is_active,
    {{ revlake.to_timestamp('created_utc') }} as created_at
  from src
  where {{ revlake.clean_text('id') }} is not null
)

select
  typed.*,
  case billing_interval
    when 'month' then interval_count
    when 'year' then 12 * interval_count
  end as months_per_interval,
  -- list price per month; DuckDB divides DECIMAL in DOUBLE, hence the integer quotient
  case billing_interval
    when 'month' then {{ revlake.cents_to_money(revlake.rounded_quotient(
        'cast(unit_amount * 100 as bigint)', 'interval_count')) }}
    when 'year' then {{ revlake.cents_to_money(revlake.rounded_quotient(
        'cast(unit_amount * 100 as bigint)', '12 * interval_count')) }}
  end as monthly_list_price
from typed
