-- Grain: one row per Salesforce opportunity (opportunity_id). Latest record wins.
-- Amounts are in the opportunity's currency (CurrencyIsoCode); probability in percent.
-- Keyed: rebuilt from the keys new loads hold in an incremental build (macros/incremental.sql).
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_keys('salesforce_opportunity', 'id', 'opportunity_id') }}"
) }}
with src as (
  select *
  from {{ revlake.latest_record(revlake.bronze_table('salesforce_opportunity', [
      'id', 'name', 'account_id', 'owner_id', 'type', 'lead_source', 'stage_name', 'amount',
      'currency_iso_code', 'probability', 'close_date', 'created_date', 'is_closed', 'is_won',
      'forecast_category_name', 'plan_c', 'last_stage_change_date', '_loaded_at',
      '_row_number'], changed_key='id'), 'id') }} as d
  where nullif(trim(id), '') is not null
)

select
  trim(id) as opportunity_id,
  {{ revlake.clean_text('name') }} as opportunity_name,
  {{ revlake.clean_text('account_id') }} as account_id,
  {{ revlake.clean_text('owner_id') }} as owner_id,
  {{ revlake.clean_text('type') }} as opportunity_type,
  {{ revlake.clean_text('lead_source') }} as lead_source,
  {{ revlake.clean_text('stage_name') }} as stage_name,
  {{ revlake.to_money('amount') }} as amount,
  upper({{ revlake.clean_text('currency_iso_code') }}) as currency,
  try_cast(nullif(trim(probability), '') as decimal(9, 2)) as probability_pct,
  {{ revlake.to_date('close_date') }} as close_date,
  cast({{ revlake.to_timestamp('created_date') }} as date) as created_date,
  {{ revlake.to_bool('is_closed') }} as is_closed,
  {{ revlake.to_bool('is_won') }} as is_won,
  {{ revlake.clean_text('forecast_category_name') }} as forecast_category,
  {{ revlake.clean_text('plan_c') }} as plan_name,
  cast({{ revlake.to_timestamp('last_stage_change_date') }} as date) as last_stage_change_date
from src
