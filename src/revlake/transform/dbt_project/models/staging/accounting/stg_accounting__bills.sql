-- Grain: one row per vendor bill or vendor credit note (bill_number), from the Xero bills
-- export (bronze xero_bills). Xero writes one row per bill line with the bill's totals
-- repeated, so the latest record per number carries the bill. A credit note
-- (Type = Credit Note) names the bill it is allocated to in Reference.
-- Keyed: rebuilt from the keys new loads hold in an incremental build (macros/incremental.sql).
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_keys('xero_bills', 'invoice_number', 'bill_number') }}"
) }}
with src as (
  select *
  from {{ revlake.latest_record(revlake.bronze_table('xero_bills', [
      'contact_name', 'email_address', 'invoice_number', 'reference', 'invoice_date',
      'due_date', 'total', 'tax_total', 'invoice_amount_paid', 'invoice_amount_due',
      'description', 'account_code', 'currency', 'type', 'status',
      '_loaded_at', '_row_number'], changed_key='invoice_number'), 'invoice_number') }} as d
)

select
  {{ revlake.clean_text('invoice_number') }} as bill_number,
  case
    when lower(trim(type)) like '%credit%' then 'credit_note'
    else 'bill'
  end as document_type,
  {{ revlake.clean_text('contact_name') }} as vendor_name,
  {{ revlake.clean_text('email_address') }} as vendor_email,
  {{ revlake.clean_text('reference') }} as reference,
  {{ revlake.to_date('invoice_date') }} as bill_date,
  {{ revlake.to_date('due_date') }} as due_date,
  {{ revlake.to_money('total') }} as total,
  coalesce({{ revlake.to_money('tax_total') }}, 0) as tax_total,
  coalesce({{ revlake.to_money('invoice_amount_paid') }}, 0) as amount_paid,
  {{ revlake.to_money('invoice_amount_due') }} as amount_due,
  {{ revlake.clean_text('description') }} as description,
  {{ revlake.clean_text('account_code') }} as account_code,
  upper(coalesce({{ revlake.clean_text('currency') }}, 'USD')) as currency,
  {{ revlake.clean_text('status') }} as status,
  -- a usable bill: dated, with a due date not before the bill date and a non-negative total
  coalesce(
    {{ revlake.to_date('invoice_date') }} is not null
    and {{ revlake.to_date('due_date') }} >= {{ revlake.to_date('invoice_date') }}
    and {{ revlake.to_money('total') }} >= 0,
    false) as is_valid
from src
where {{ revlake.clean_text('invoice_number') }} is not null
