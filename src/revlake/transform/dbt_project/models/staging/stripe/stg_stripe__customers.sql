-- Grain: one row per Stripe customer (customer_id). Latest record per id wins.
-- Flags instead of drops: is_valid_customer / invalid_reason.
with src as (
  select *
  from {{ revlake.latest_record(revlake.bronze_table('stripe_customers', [
      'id', 'name', 'email', 'description', 'created_utc', 'currency', 'address_country',
      'business_vat_id', 'tax_exempt', 'delinquent', 'balance',
      'salesforce_account_id_metadata', '_loaded_at', '_row_number']), 'id') }} as d
)

select
  {{ revlake.clean_text('id') }} as customer_id,
  {{ revlake.clean_text('name') }} as customer_name,
  lower({{ revlake.clean_text('email') }}) as email,
  {{ revlake.clean_text('description') }} as description,
  {{ revlake.to_timestamp('created_utc') }} as created_at,
  upper({{ revlake.clean_text('currency') }}) as currency,
  upper({{ revlake.clean_text('address_country') }}) as country_code,
  {{ revlake.clean_text('business_vat_id') }} as vat_id,
  lower({{ revlake.clean_text('tax_exempt') }}) as tax_exempt,
  coalesce({{ revlake.to_bool('delinquent') }}, false) as is_delinquent,
  {{ revlake.to_money('balance') }} as balance,
  {{ revlake.clean_text('salesforce_account_id_metadata') }} as salesforce_account_id,
  _duplicate_count as source_record_count,
  case
    when {{ revlake.clean_text('id') }} is null then 'missing id'
    when {{ revlake.to_timestamp('created_utc') }} is null then 'invalid created date'
    when length(trim(currency)) <> 3 then 'invalid currency'
  end as invalid_reason,
  case
    when {{ revlake.clean_text('id') }} is null then false
    when {{ revlake.to_timestamp('created_utc') }} is null then false
    when length(trim(currency)) <> 3 then false
    else true
  end as is_valid_customer
from src
where {{ revlake.clean_text('id') }} is not null
