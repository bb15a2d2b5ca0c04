-- Grain: one row per Stripe credit note (credit_note_id). Latest record per id wins.
-- Keyed: rebuilt from the keys new loads hold in an incremental build (macros/incremental.sql).
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_keys('stripe_credit_notes', 'id', 'credit_note_id') }}"
) }}
with src as (
  select *
  from {{ revlake.latest_record(revlake.bronze_table('stripe_credit_notes', [
      'id', 'number', 'invoice_id', 'customer_id', 'currency', 'created_utc', 'amount',
      'reason', 'type', 'status', '_loaded_at', '_row_number'], changed_key='id'), 'id') }} as d
)

select
  {{ revlake.clean_text('id') }} as credit_note_id,
  {{ revlake.clean_text('number') }} as credit_note_number,
  {{ revlake.clean_text('invoice_id') }} as invoice_id,
  {{ revlake.clean_text('customer_id') }} as customer_id,
  upper({{ revlake.clean_text('currency') }}) as currency,
  {{ revlake.to_timestamp('created_utc') }} as created_at,
  {{ revlake.to_date('created_utc') }} as credit_note_date,
  {{ revlake.to_money('amount') }} as amount,
  lower({{ revlake.clean_text('reason') }}) as reason,
  lower({{ revlake.clean_text('type') }}) as credit_note_type,
  lower({{ revlake.clean_text('status') }}) as status
from src
where {{ revlake.clean_text('id') }} is not null
