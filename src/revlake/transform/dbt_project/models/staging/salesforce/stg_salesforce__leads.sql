-- Grain: one row per Salesforce lead (lead_id). Latest record wins.
-- lead_source is kept as exported; the marketing channel is derived in int_leads.
-- Keyed: rebuilt from the keys new loads hold in an incremental build (macros/incremental.sql).
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_keys('salesforce_lead', 'id', 'lead_id') }}"
) }}
with src as (
  select *
  from {{ revlake.latest_record(revlake.bronze_table('salesforce_lead', [
      'id', 'first_name', 'last_name', 'company', 'email', 'country', 'lead_source',
      'campaign_id_c', 'status', 'owner_id', 'created_date', 'is_converted', 'converted_date',
      'converted_account_id', 'converted_opportunity_id', '_loaded_at', '_row_number'], changed_key='id'),
      'id') }} as d
  where nullif(trim(id), '') is not null
)

select
  trim(src.id) as lead_id,
  {{ revlake.clean_text('src.first_name') }} as first_name,
  {{ revlake.clean_text('src.last_name') }} as last_name,
  {{ revlake.clean_text('src.company') }} as company,
  lower({{ revlake.clean_text('src.email') }}) as email,
  coalesce(c.country_name, {{ revlake.clean_text('src.country') }}) as country_name,
  {{ revlake.clean_text('src.lead_source') }} as lead_source,
  {{ revlake.clean_text('src.campaign_id_c') }} as campaign_id,
  {{ revlake.clean_text('src.status') }} as status,
  {{ revlake.clean_text('src.owner_id') }} as owner_id,
  {{ revlake.to_timestamp('src.created_date') }} as created_at,
  cast({{ revlake.to_timestamp('src.created_date') }} as date) as created_date,
  coalesce({{ revlake.to_bool('src.is_converted') }}, false) as is_converted,
  {{ revlake.to_date('src.converted_date') }} as converted_date,
  {{ revlake.clean_text('src.converted_account_id') }} as converted_account_id,
  {{ revlake.clean_text('src.converted_opportunity_id') }} as converted_opportunity_id
from src
left join {{ ref('stg_reference__country_names') }} as c
  on c.variant_key = upper(trim(src.country))
