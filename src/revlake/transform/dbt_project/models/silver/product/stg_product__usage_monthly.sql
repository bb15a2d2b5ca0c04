-- Grain: one row per billing customer and calendar month (customer_id, month_start_date):
-- the product usage a product-analytics export reports for that month. Source:
-- generic_product_usage (customer_id = the billing system's customer id). The latest
-- record of a (customer, month) wins; rows without a customer, a parseable month (any
-- date in it) or a non-negative active-user count are left out (bronze keeps them).
-- active_share is active users ÷ seats (null without seats).
with src as (
  select
    trim(customer_id) as customer_id,
    {{ revlake.month_start(revlake.to_date('month')) }} as month_start_date,
    {{ revlake.to_int('seats') }} as seats,
    {{ revlake.to_int('active_users') }} as active_users,
    {{ revlake.to_int('sessions') }} as sessions,
    _loaded_at,
    _row_number
  from {{ revlake.bronze_table('generic_product_usage', [
      'customer_id', 'month', 'seats', 'active_users', 'sessions', '_loaded_at',
      '_row_number']) }} as b
),

ranked as (
  select
    src.*,
    row_number() over (
      partition by customer_id, month_start_date
      order by _loaded_at desc nulls last, cast(_row_number as bigint) desc nulls last
    ) as recency_rank
  from src
  where nullif(customer_id, '') is not null
    and month_start_date is not null
    and active_users >= 0
)

select
  customer_id,
  month_start_date,
  seats,
  active_users,
  sessions,
  case when seats > 0 then cast(active_users as double) / seats end as active_share
from ranked
where recency_rank = 1
