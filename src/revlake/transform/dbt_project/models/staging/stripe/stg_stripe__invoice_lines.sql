-- Grain: one row per Stripe invoice line (invoice_line_id). Latest record per id wins.
-- Service period is [service_start_date, service_end_date): Period End is exclusive.
-- amount is before discount and tax; net_amount = amount - discount_amount.
-- Keyed: rebuilt from the keys new loads hold in an incremental build (macros/incremental.sql).
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_keys('stripe_invoice_line_items', 'id', 'invoice_line_id') }}"
) }}
with src as (
  select *
  from {{ revlake.latest_record(revlake.bronze_table('stripe_invoice_line_items', [
      'id', 'invoice_id', 'type', 'subscription_id', 'subscription_item_id', 'price_id',
      'product_id', 'description', 'currency', 'unit_amount', 'quantity', 'amount',
      'discount_amount', 'coupon_id', 'proration', 'period_start_utc', 'period_end_utc',
      'plan_interval', 'plan_interval_count', 'tax_amount', 'tax_rate', 'tax_jurisdiction',
      '_loaded_at', '_row_number'], changed_key='id'), 'id') }} as d
),

typed as (
  select
    {{ revlake.clean_text('id') }} as invoice_line_id,
    _duplicate_count as source_record_count,
    {{ revlake.clean_text('invoice_id') }} as invoice_id,
    lower({{ revlake.clean_text('type') }}) as line_type,
    {{ revlake.clean_text('subscription_id') }} as subscription_id,
    {{ revlake.clean_text('subscription_item_id') }} as subscription_item_id,
    {{ revlake.clean_text('price_id') }} as price_id,
    {{ revlake.clean_text('product_id') }} as product_id,
    {{ revlake.clean_text('description') }} as description,
    upper({{ revlake.clean_text('currency') }}) as currency,
    {{ revlake.to_money('unit_amount') }} as unit_amount,
    coalesce({{ revlake.to_int('quantity') }}, 1) as quantity,
    {{ revlake.to_money('amount') }} as amount,
    coalesce({{ revlake.to_money('discount_amount') }}, 0) as discount_amount,
    {{ revlake.clean_text('coupon_id') }} as coupon_id,
    coalesce({{ revlake.to_bool('proration') }}, false) as is_proration,
    {{ revlake.to_date('period_start_utc') }} as service_start_date,
    {{ revlake.to_date('period_end_utc') }} as service_end_date,
    lower({{ revlake.clean_text('plan_interval') }}) as plan_interval,
    coalesce({{ revlake.to_int('plan_interval_count') }}, 1) as plan_interval_count,
    coalesce({{ revlake.to_money('tax_amount') }}, 0) as tax_amount,
    try_cast(nullif(trim(tax_rate), '') as decimal(9, 4)) as tax_rate,
    {{ revlake.clean_text('tax_jurisdiction') }} as tax_jurisdiction
  from src
)

select
  typed.*,
  amount - discount_amount as net_amount,
  case
    when invoice_line_id is null then 'missing id'
    when invoice_id is null then 'missing invoice'
    when amount is null then 'invalid amount'
    when service_end_date < service_start_date then 'period ends before it starts'
    when amount < 0 and not is_proration then 'negative amount without proration'
  end as invalid_reason,
  case
    when invoice_line_id is null or invoice_id is null or amount is null then false
    when service_end_date < service_start_date then false
    when amount < 0 and not is_proration then false
    else true
  end as is_valid_line
from typed
where typed.invoice_line_id is not null
