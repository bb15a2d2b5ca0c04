-- Grain: one row per Stripe coupon (coupon_id). Latest record per id wins.
with src as (
  select *
  from {{ revlake.latest_record(revlake.bronze_table('stripe_coupons', [
      'id', 'name', 'percent_off', 'amount_off', 'currency', 'duration', 'duration_in_months',
      'created_utc', '_loaded_at', '_row_number']), 'id') }} as d
)

select
  {{ revlake.clean_text('id') }} as coupon_id,
  {{ revlake.clean_text('name') }} as coupon_name,
  try_cast(nullif(trim(percent_off), '') as decimal(9, 4)) as percent_off,
  {{ revlake.to_money('amount_off') }} as amount_off,
  upper({{ revlake.clean_text('currency') }}) as currency,
  lower({{ revlake.clean_text('duration') }}) as duration,
  {{ revlake.to_int('duration_in_months') }} as duration_in_months,
  {{ revlake.to_timestamp('created_utc') }} as created_at,
  case
    when try_cast(nullif(trim(percent_off), '') as decimal(9, 4)) < 0
      or try_cast(nullif(trim(percent_off), '') as decimal(9, 4)) > 100 then false
    else true
  end as is_valid_coupon
from src
where {{ revlake.clean_text('id') }} is not null
