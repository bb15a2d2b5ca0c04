-- Grain: one row per MavenTech account (account_id = the account name).
-- Cleaning: sector typo `technolgy` → technology (12 accounts); office_location typo
-- `Philipines` reconciled through stg_reference__country_names; revenue is in millions of USD
-- in the export and is stored here in USD (annual_revenue).
with src as (
  select *
  from {{ revlake.latest_record(revlake.bronze_table('maven_accounts', [
      'account', 'sector', 'year_established', 'revenue', 'employees', 'office_location',
      'subsidiary_of', '_loaded_at', '_row_number']), 'account') }} as d
  where nullif(trim(account), '') is not null
),

typed as (
  select
    trim(src.account) as account_id,
    trim(src.account) as account_name,
    case lower(trim(src.sector))
      when 'technolgy' then 'technology'
      else lower({{ revlake.clean_text('src.sector') }})
    end as industry,
    lower(trim(src.sector)) = 'technolgy' as is_sector_corrected,
    {{ revlake.to_int('src.year_established') }} as year_established,
    cast(try_cast(nullif(trim(src.revenue), '') as decimal(18, 2)) * 1000000 as decimal(18, 2))
      as annual_revenue,
    {{ revlake.to_int('src.employees') }} as employees,
    coalesce(c.country_name, {{ revlake.clean_text('src.office_location') }}) as country_name,
    c.country_code,
    {{ revlake.clean_text('src.subsidiary_of') }} as parent_account_name
  from src
  left join {{ ref('stg_reference__country_names') }} as c
    on c.variant_key = upper(trim(src.office_location))
)

select * from typed
