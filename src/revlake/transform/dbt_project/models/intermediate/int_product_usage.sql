-- Grain: one row per customer and calendar month (customer_key, month_start_date): the
-- product usage an analytics export reports (contract entity product_usage; built-in
-- layout generic_product_usage, or a workspace layout mapped onto it). customer_id is the
-- billing system's customer id. The latest record of a (customer, month) wins. Rows
-- without a customer, a month or a non-negative active-user count are kept and flagged
-- (is_valid false, invalid_reason); consumers read valid rows.
-- active_share is active users ÷ seats (null without seats).
with src as (
  select
    source_system,
    source_table,
    customer_id,
    {{ revlake.month_start('month') }} as month_start_date,
    seats,
    active_users,
    sessions,
    concat_ws('; ',
      invalid_reason,
      case when active_users < 0 then 'active_users: negative' end) as invalid_reason,
    _source_file,
    _row_number,
    _loaded_at
  from {{ ref('stg_generic__product_usage') }}
),

ranked as (
  select
    src.*,
    row_number() over (
      partition by source_system, customer_id, month_start_date
      order by _loaded_at desc nulls last, _row_number desc nulls last
    ) as recency_rank
  from src
)

select
  source_system,
  customer_id,
  concat(source_system, ':', customer_id) as usage_customer_key,
  month_start_date,
  seats,
  active_users,
  sessions,
  case when seats > 0 then cast(active_users as double) / seats end as active_share,
  nullif(invalid_reason, '') as invalid_reason,
  nullif(invalid_reason, '') is null as is_valid,
  source_table,
  _source_file,
  _row_number
from ranked
where recency_rank = 1 or customer_id is null or month_start_date is null
