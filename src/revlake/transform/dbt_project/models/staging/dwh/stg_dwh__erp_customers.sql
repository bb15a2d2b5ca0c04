-- Grain: one row per ERP customer (customer_id unified with CRM cst_key: the `NAS` prefix
-- of 11,042 ids is removed, `NASAW00011000` → `AW00011000`). Latest record wins.
-- Gender synonyms (`Male`, `M`, `M `, `F`, blank…) → Male/Female/null. Birth dates in the
-- future or before 1925 are kept but flagged (is_valid_birth_date, birth_date_invalid_reason).
with src as (
  select *
  from {{ revlake.latest_record(
      "(select case when upper(trim(cid)) like 'NAS%' then substring(upper(trim(cid)), 4)"
      ~ " else upper(trim(cid)) end as customer_key, b.* from "
      ~ revlake.bronze_table('dwh_erp_cust_az12', ['cid', 'bdate', 'gen', '_loaded_at', '_row_number'])
      ~ " as b)", 'customer_key') }} as d
  where nullif(customer_key, '') is not null
),

typed as (
  select
    customer_key as customer_id,
    trim(cid) as erp_customer_id,
    upper(trim(cid)) like 'NAS%' as had_nas_prefix,
    {{ revlake.to_date('bdate') }} as birth_date,
    cast(coalesce({{ revlake.to_timestamp('_loaded_at') }}, current_timestamp) as date) as loaded_date,
    case upper(trim(gen))
      when 'MALE' then 'Male' when 'M' then 'Male'
      when 'FEMALE' then 'Female' when 'F' then 'Female'
    end as gender
  from src
)

select
  customer_id,
  erp_customer_id,
  had_nas_prefix,
  birth_date,
  gender,
  case
    when birth_date is null then null
    when birth_date > loaded_date then 'birth date in the future'
    when birth_date < cast('1925-01-01' as date) then 'birth date before 1925'
  end as birth_date_invalid_reason,
  coalesce(
    birth_date is not null
    and birth_date <= loaded_date
    and birth_date >= cast('1925-01-01' as date),
    false
  ) as is_valid_birth_date
from typed
