-- Grain: one row per customer and calendar month (customer_key, month_start_date): the
-- product usage an analytics export reports (contract entity product_usage; built-in
-- layout generic_product_usage, or a workspace layout mapped onto it). customer_id is the
-- billing system's customer id. The latest record of a (customer, month) wins: the
-- contract's `month` is a month key (as_month), so stg_generic__product_usage already
-- keeps one row per customer and calendar month. Rows without a customer, a month or a
-- non-negative active-user count are kept and flagged (is_valid false, invalid_reason);
-- consumers read valid rows.
-- active_share is active users ÷ seats (null without seats).
-- A view: it only projects its staging table, so copying it into one more table would
-- cost build time and disk for nothing (docs/TRANSFORM.md).
{{ config(materialized='view') }}

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
    _row_number
  from {{ ref('stg_generic__product_usage') }}
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
from src
