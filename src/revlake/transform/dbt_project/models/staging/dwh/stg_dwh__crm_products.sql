-- Grain: one row per CRM product version (product_version_id = prd_id); a prd_key repeats
-- for each price/cost version (77 keys, SCD rows).
-- Derived: category_id = first 5 chars of prd_key with `-` → `_` (join to ERP categories);
-- product_number = prd_key without its first 6 chars (what sales lines reference).
-- Flags: 200 rows have prd_end_dt < prd_start_dt (is_valid_dates false, reason kept); the
-- effective validity is rebuilt from the next version's start (valid_to = next start − 1
-- day), the course's and Kimball's rule. Missing cost → flagged, null.
with src as (
  select *
  from {{ revlake.latest_record(revlake.bronze_table('dwh_crm_prd_info', [
      'prd_id', 'prd_key', 'prd_nm', 'prd_cost', 'prd_line', 'prd_start_dt', 'prd_end_dt',
      '_loaded_at', '_row_number']), 'prd_id') }} as d
  where {{ revlake.to_int('prd_id') }} is not null
),

typed as (
  select
    {{ revlake.to_int('prd_id') }} as product_version_id,
    upper(trim(prd_key)) as product_key_raw,
    replace(substring(upper(trim(prd_key)), 1, 5), '-', '_') as category_id,
    substring(upper(trim(prd_key)), 7) as product_number,
    {{ revlake.clean_text('prd_nm') }} as product_name,
    {{ revlake.to_money('prd_cost') }} as cost,
    case upper(trim(prd_line))
      when 'M' then 'Mountain' when 'R' then 'Road' when 'S' then 'Other Sales'
      when 'T' then 'Touring'
    end as product_line,
    {{ revlake.to_date('prd_start_dt') }} as start_date,
    {{ revlake.to_date('prd_end_dt') }} as end_date_raw
  from src
)

select
  typed.*,
  cast({{ dbt.dateadd('day', -1, 'lead(start_date) over (partition by product_key_raw order by start_date nulls last, product_version_id)') }} as date) as valid_to,
  case
    when end_date_raw is not null and end_date_raw < start_date then 'end date before start date'
    when start_date is null then 'missing start date'
  end as dates_invalid_reason,
  coalesce(not (end_date_raw < start_date), true) and start_date is not null as is_valid_dates,
  case when cost is null then 'missing cost' when cost < 0 then 'negative cost' end
    as cost_invalid_reason
from typed
