-- Grain: one row per Stripe invoice (invoice_id). Latest record per id wins.
-- is_countable: status is neither void nor draft (the invoices that bill anything).
-- Keyed: rebuilt from the keys new loads hold in an incremental build (macros/incremental.sql).
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_keys('stripe_invoices', 'id', 'invoice_id') }}"
) }}
with src as (
  select *
  from {{ revlake.latest_record(revlake.bronze_table('stripe_invoices', [
      'id', 'number', 'customer', 'subscription', 'billing_reason', 'status', 'currency',
      'date_utc', 'due_date_utc', 'period_start_utc', 'period_end_utc', 'subtotal',
      'total_discount_amount', 'tax', 'total', 'amount_due', 'amount_paid', 'amount_remaining',
      'attempt_count', 'paid', 'customer_address_country', 'customer_tax_id',
      '_loaded_at', '_row_number'], changed_key='id'), 'id') }} as d
),

typed as (
  select
    {{ revlake.clean_text('id') }} as invoice_id,
    _duplicate_count as source_record_count,
    {{ revlake.clean_text('number') }} as invoice_number,
    {{ revlake.clean_text('customer') }} as customer_id,
    {{ revlake.clean_text('subscription') }} as subscription_id,
    lower({{ revlake.clean_text('billing_reason') }}) as billing_reason,
    lower({{ revlake.clean_text('status') }}) as status,
    upper({{ revlake.clean_text('currency') }}) as currency,
    {{ revlake.to_timestamp('date_utc') }} as invoiced_at,
    {{ revlake.to_date('date_utc') }} as invoice_date,
    {{ revlake.to_date('due_date_utc') }} as due_date,
    {{ revlake.to_timestamp('period_start_utc') }} as period_start_at,
    {{ revlake.to_timestamp('period_end_utc') }} as period_end_at,
    {{ revlake.to_money('subtotal') }} as subtotal,
    coalesce({{ revlake.to_money('total_discount_amount') }}, 0) as discount_amount,
    coalesce({{ revlake.to_money('tax') }}, 0) as tax_amount,
    {{ revlake.to_money('total') }} as total,
    {{ revlake.to_money('amount_due') }} as amount_due,
    {{ revlake.to_money('amount_paid') }} as amount_paid,
    {{ revlake.to_money('amount_remaining') }} as amount_remaining,
    {{ revlake.to_int('attempt_count') }} as attempt_count,
    coalesce({{ revlake.to_bool('paid') }}, false) as is_paid,
    upper({{ revlake.clean_text('customer_address_country') }}) as customer_country_code,
    {{ revlake.clean_text('customer_tax_id') }} as customer_tax_id
  from src
)

select
  typed.*,
  coalesce(status not in ('void', 'draft'), false) as is_countable,
  case
    when invoice_id is null then 'missing id'
    when customer_id is null then 'missing customer'
    when invoice_date is null then 'invalid invoice date'
    when total is null then 'invalid total'
    when subtotal - discount_amount + tax_amount <> total then 'total does not add up'
  end as invalid_reason,
  case
    when invoice_id is null or customer_id is null or invoice_date is null then false
    when total is null then false
    when subtotal - discount_amount + tax_amount <> total then false
    else true
  end as is_valid_invoice
from typed
where typed.invoice_id is not null
