-- Grain: one row per ERP customer location (customer_id unified with CRM cst_key: the
-- dash of `AW-00011000` is removed). Latest record wins. Country synonyms reconciled
-- (`US`, `USA`, `United States` → United States; `DE` → Germany); blank → null.
with src as (
  select *
  from {{ revlake.latest_record(
      "(select replace(upper(trim(cid)), '-', '') as customer_key, b.* from "
      ~ revlake.bronze_table('dwh_erp_loc_a101', ['cid', 'cntry', '_loaded_at', '_row_number'])
      ~ " as b)", 'customer_key') }} as d
  where nullif(customer_key, '') is not null
)

select
  src.customer_key as customer_id,
  trim(src.cid) as erp_customer_id,
  {{ revlake.clean_text('src.cntry') }} as country_raw,
  coalesce(c.country_name, {{ revlake.clean_text('src.cntry') }}) as country_name,
  c.country_code
from src
left join {{ ref('stg_reference__country_names') }} as c
  on c.variant_key = upper(trim(src.cntry))
