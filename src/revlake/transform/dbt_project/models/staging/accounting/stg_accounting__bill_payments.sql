-- Grain: one row per bill payment (payment_id), from the Xero payments export (bronze
-- xero_bill_payments). A file without PaymentID gets an id from its source file and row.
with src as (
  select *
  from {{ revlake.bronze_table('xero_bill_payments', [
      'payment_id', 'date', 'contact_name', 'invoice_number', 'amount', 'currency',
      'currency_rate', 'bank_account', 'reference', 'payment_type', 'status',
      '_source_file', '_row_number', '_loaded_at']) }} as d
),

keyed as (
  select
    coalesce({{ revlake.clean_text('payment_id') }},
             concat(_source_file, ':', _row_number)) as _payment_key,
    src.*
  from src
),

latest as (
  select *
  from {{ revlake.latest_record('keyed', '_payment_key') }} as k
)

select
  _payment_key as payment_id,
  {{ revlake.to_date('date') }} as payment_date,
  {{ revlake.clean_text('invoice_number') }} as bill_number,
  {{ revlake.clean_text('contact_name') }} as vendor_name,
  {{ revlake.to_money('amount') }} as amount,
  upper(coalesce({{ revlake.clean_text('currency') }}, 'USD')) as currency,
  {{ revlake.clean_text('bank_account') }} as bank_account,
  {{ revlake.clean_text('reference') }} as reference,
  upper({{ revlake.clean_text('payment_type') }}) as payment_type,
  upper({{ revlake.clean_text('status') }}) as status,
  coalesce(
    {{ revlake.to_date('date') }} is not null
    and {{ revlake.to_money('amount') }} > 0
    and coalesce(upper(trim(status)), 'AUTHORISED') <> 'DELETED',
    false) as is_valid
from latest
