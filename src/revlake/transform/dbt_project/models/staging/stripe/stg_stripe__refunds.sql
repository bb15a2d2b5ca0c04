-- Grain: one row per Stripe refund (refund_id). Latest record per id wins.
-- Keyed: rebuilt from the keys new loads hold in an incremental build (macros/incremental.sql).
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_keys('stripe_refunds', 'id', 'refund_id') }}"
) }}
with src as (
  select *
  from {{ revlake.latest_record(revlake.bronze_table('stripe_refunds', [
      'id', 'charge_id', 'amount', 'currency', 'created_utc', 'reason', 'status',
      '_loaded_at', '_row_number'], changed_key='id'), 'id') }} as d
)

select
  {{ revlake.clean_text('id') }} as refund_id,
  {{ revlake.clean_text('charge_id') }} as charge_id,
  {{ revlake.to_money('amount') }} as amount,
  upper({{ revlake.clean_text('currency') }}) as currency,
  {{ revlake.to_timestamp('created_utc') }} as created_at,
  {{ revlake.to_date('created_utc') }} as refund_date,
  lower({{ revlake.clean_text('reason') }}) as reason,
  lower({{ revlake.clean_text('status') }}) as status
from src
where {{ revlake.clean_text('id') }} is not null
