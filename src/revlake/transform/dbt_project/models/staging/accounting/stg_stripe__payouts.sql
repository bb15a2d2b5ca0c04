-- Grain: one row per Stripe payout (payout_id). Latest record per id wins.
-- Keyed: rebuilt from the keys new loads hold in an incremental build (macros/incremental.sql).
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_keys('stripe_payouts', 'id', 'payout_id') }}"
) }}
with src as (
  select *
  from {{ revlake.latest_record(revlake.bronze_table('stripe_payouts', [
      'id', 'amount', 'currency', 'arrival_date_utc', 'created_utc', 'status', 'type',
      'method', 'description', '_loaded_at', '_row_number'], changed_key='id'), 'id') }} as d
)

select
  {{ revlake.clean_text('id') }} as payout_id,
  {{ revlake.to_money('amount') }} as amount,
  upper({{ revlake.clean_text('currency') }}) as currency,
  {{ revlake.to_date('arrival_date_utc') }} as arrival_date,
  {{ revlake.to_timestamp('created_utc') }} as created_at,
  lower({{ revlake.clean_text('status') }}) as status,
  {{ revlake.clean_text('description') }} as description
from src
where {{ revlake.clean_text('id') }} is not null
