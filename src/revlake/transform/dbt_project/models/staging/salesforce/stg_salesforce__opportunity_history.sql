-- Grain: one row per Salesforce OpportunityHistory record (history_id): a snapshot of an
-- opportunity's stage, amount and probability written each time one of them changed.
-- Keyed: rebuilt from the keys new loads hold in an incremental build (macros/incremental.sql).
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_keys('salesforce_opportunity_history', 'id', 'history_id') }}"
) }}
with src as (
  select *
  from {{ revlake.latest_record(revlake.bronze_table('salesforce_opportunity_history', [
      'id', 'opportunity_id', 'created_date', 'stage_name', 'amount', 'probability',
      'close_date', 'created_by_id', '_loaded_at', '_row_number'], changed_key='id'), 'id') }} as d
  where nullif(trim(id), '') is not null
)

select
  trim(id) as history_id,
  {{ revlake.clean_text('opportunity_id') }} as opportunity_id,
  {{ revlake.to_timestamp('created_date') }} as changed_at,
  {{ revlake.clean_text('stage_name') }} as stage_name,
  {{ revlake.to_money('amount') }} as amount,
  try_cast(nullif(trim(probability), '') as decimal(9, 2)) as probability_pct,
  {{ revlake.to_date('close_date') }} as close_date,
  {{ revlake.clean_text('created_by_id') }} as changed_by_id
from src
