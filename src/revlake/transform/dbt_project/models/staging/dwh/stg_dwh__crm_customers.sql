-- Grain: one row per CRM customer (customer_id = cst_key, e.g. `AW00011000`): the latest
-- valid record of each cst_id (see stg_dwh__crm_customer_records for every raw row and why
-- a row is not here). Names are trimmed (" Jon" → "Jon"), codes expanded (M/S → Married/
-- Single, M/F → Male/Female, empty → null).
select
  crm_customer_id,
  customer_id,
  first_name,
  last_name,
  marital_status,
  gender,
  created_date,
  records_for_id
from {{ ref('stg_dwh__crm_customer_records') }}
where is_latest_record and customer_id is not null
