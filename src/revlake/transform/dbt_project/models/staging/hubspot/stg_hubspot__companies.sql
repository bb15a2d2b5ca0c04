-- Grain: one row per HubSpot company (company_id = Record ID). Latest record wins.
-- Columns are the ingest layout's canonical labels; country synonyms reconciled.
with src as (
  select *
  from {{ revlake.latest_record(revlake.bronze_table('hubspot_companies', [
      'record_id', 'company_name', 'industry', 'country_region', 'number_of_employees',
      'annual_revenue', 'create_date', '_loaded_at', '_row_number']), 'record_id') }} as d
  where nullif(trim(record_id), '') is not null
)

select
  trim(src.record_id) as company_id,
  {{ revlake.clean_text('src.company_name') }} as company_name,
  lower({{ revlake.clean_text('src.industry') }}) as industry,
  coalesce(c.country_name, {{ revlake.clean_text('src.country_region') }}) as country_name,
  c.country_code,
  {{ revlake.to_int('src.number_of_employees') }} as employees,
  {{ revlake.to_money('src.annual_revenue') }} as annual_revenue,
  {{ revlake.to_timestamp('src.create_date') }} as created_at
from src
left join {{ ref('stg_reference__country_names') }} as c
  on c.variant_key = upper(trim(src.country_region))
