-- Grain: one row per Stripe charge (charge_id). Latest record per id wins.
-- Keyed: rebuilt from the keys new loads hold in an incremental build (macros/incremental.sql).
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_keys('stripe_charges', 'id', 'charge_id') }}"
) }}
with src as (
  select *
  from {{ revlake.latest_record(revlake.bronze_table('stripe_charges', [
      'id', 'created_utc', 'amount', 'amount_refunded', 'currency', 'status', 'captured',
      'customer_id', 'invoice_id', 'payment_method_type', 'failure_code', 'failure_message',
      '_loaded_at', '_row_number'], changed_key='id'), 'id') }} as d
)

select
  {{ revlake.clean_text('id') }} as charge_id,
  {{ revlake.to_timestamp('created_utc') }} as created_at,
  {{ revlake.to_date('created_utc') }} as charge_date,
  {{ revlake.to_money('amount') }} as amount,
  coalesce({{ revlake.to_money('amount_refunded') }}, 0) as amount_refunded,
  upper({{ revlake.clean_text('currency') }}) as currency,
  lower({{ revlake.clean_text('status') }}) as status,
  coalesce({{ revlake.to_bool('captured') }}, false) as is_captured,
  {{ revlake.clean_text('customer_id') }} as customer_id,
  {{ revlake.clean_text('invoice_id') }} as invoice_id,
  lower({{ revlake.clean_text('payment_method_type') }}) as payment_method_type,
  {{ revlake.clean_text('failure_code') }} as failure_code,
  {{ revlake.clean_text('failure_message') }} as failure_message,
  coalesce(lower(trim(status)) = 'succeeded' and {{ revlake.to_bool('captured') }}, false)
    as is_collected
from src
where {{ revlake.clean_text('id') }} is not null
