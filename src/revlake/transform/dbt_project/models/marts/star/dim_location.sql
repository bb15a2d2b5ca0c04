-- Grain: one row per country (location_key = ISO 3166-1 alpha-2 code when known, else the
-- cleaned country name; `unknown` for customers without a country). Synonyms (`US`, `USA`,
-- `United States`) are one location (see stg_reference__country_names).
with countries as (
  select country_name, country_code from {{ ref('int_customers') }}
),

keyed as (
  select distinct
    coalesce(country_code, country_name) as location_key,
    country_name,
    country_code
  from countries
  where coalesce(country_code, country_name) is not null
)

select location_key, country_name, country_code, false as is_unknown
from keyed
union all
select 'unknown', 'Unknown', cast(null as {{ dbt.type_string() }}), true
