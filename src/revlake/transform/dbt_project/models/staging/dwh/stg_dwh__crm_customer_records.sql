-- Grain: one row per raw CRM customer record (bronze file + row), none dropped.
-- Flags: is_valid_customer_id (cst_id must be an integer: 4 rows with an empty id carry
-- junk keys like `SF566`), is_latest_record (dedup rule: for a cst_id the latest record
-- wins — last load, then last row of the file, which is also the latest cst_create_date in
-- the shared dataset, e.g. id 29466 three times).
with src as (
  select *
  from {{ revlake.bronze_table('dwh_crm_cust_info', [
      'cst_id', 'cst_key', 'cst_firstname', 'cst_lastname', 'cst_marital_status', 'cst_gndr',
      'cst_create_date', '_source_file', '_loaded_at', '_row_number']) }} as b
),

ranked as (
  select
    src.*,
    {{ revlake.to_int('cst_id') }} as customer_number_id,
    row_number() over (
      partition by {{ revlake.to_int('cst_id') }}
      order by _loaded_at desc nulls last, cast(_row_number as bigint) desc nulls last
    ) as recency_rank,
    count(*) over (partition by {{ revlake.to_int('cst_id') }}) as records_for_id
  from src
)

select
  coalesce(_source_file, '') as source_file,
  cast(_row_number as bigint) as source_row_number,
  customer_number_id as crm_customer_id,
  {{ revlake.clean_text('cst_key') }} as customer_id,
  {{ revlake.clean_text('cst_firstname') }} as first_name,
  {{ revlake.clean_text('cst_lastname') }} as last_name,
  case upper(trim(cst_marital_status)) when 'M' then 'Married' when 'S' then 'Single' end
    as marital_status,
  case upper(trim(cst_gndr)) when 'M' then 'Male' when 'F' then 'Female' end as gender,
  {{ revlake.to_date('cst_create_date') }} as created_date,
  customer_number_id is not null as is_valid_customer_id,
  customer_number_id is not null and recency_rank = 1 as is_latest_record,
  case when customer_number_id is not null then records_for_id else 1 end as records_for_id,
  case
    when customer_number_id is null then 'missing or non-numeric cst_id'
    when recency_rank > 1 then 'superseded by a later record'
  end as excluded_reason
from ranked
