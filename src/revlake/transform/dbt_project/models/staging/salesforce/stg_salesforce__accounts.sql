-- Grain: one row per Salesforce account (account_id). Latest loaded record of an Id wins.
-- Country synonyms reconciled through stg_reference__country_names.
with src as (
  select *
  from {{ revlake.latest_record(revlake.bronze_table('salesforce_account', [
      'id', 'name', 'type', 'industry', 'billing_country', 'billing_state',
      'number_of_employees', 'annual_revenue', 'segment_c', 'owner_id', 'created_date',
      '_loaded_at', '_row_number']), 'id') }} as d
  where nullif(trim(id), '') is not null
)

select
  trim(src.id) as account_id,
  {{ revlake.clean_text('src.name') }} as account_name,
  {{ revlake.clean_text('src.type') }} as account_type,
  lower({{ revlake.clean_text('src.industry') }}) as industry,
  coalesce(c.country_name, {{ revlake.clean_text('src.billing_country') }}) as country_name,
  c.country_code,
  {{ revlake.clean_text('src.billing_state') }} as billing_state,
  {{ revlake.to_int('src.number_of_employees') }} as employees,
  {{ revlake.to_money('src.annual_revenue') }} as annual_revenue,
  lower({{ revlake.clean_text('src.segment_c') }}) as segment,
  {{ revlake.clean_text('src.owner_id') }} as owner_id,
  {{ revlake.to_timestamp('src.created_date') }} as created_at,
  src._duplicate_count as source_record_count
from src
left join {{ ref('stg_reference__country_names') }} as c
  on c.variant_key = upper(trim(src.billing_country))
