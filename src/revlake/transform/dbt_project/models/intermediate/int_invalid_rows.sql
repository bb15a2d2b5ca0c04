-- Grain: one row per invalid record (entity, source_system, source_table, record_id or
-- source_file and row_number, reason): every row of a source that the models flag as
-- invalid, with where it comes from and why. Nothing invalid is dropped silently: the
-- rows stay in their entity, flagged, and are counted here (rpt_data_quality, the data
-- health page).
--   * rows of files mapped onto the data contract: required fields missing, values that
--     fit no format (stg_generic__<entity>.invalid_reason);
--   * Stripe rows without an id (stg_stripe__rows_without_id);
--   * records the conformed entities flag (invoices that do not add up, lines with a
--     period ending before it starts, opportunities with bad amounts or dates, customers,
--     order lines, ad spend rows, subscription periods that cannot be valued).
{%- set generic_entities = [
    'customers',
    'contacts',
    'products',
    'subscriptions',
    'invoices',
    'invoice_lines',
    'payments',
    'refunds',
    'credit_notes',
    'opportunities',
    'opportunity_stage_history',
    'leads',
    'marketing_spend',
    'product_usage',
    'churn_events',
    'support_tickets',
    'order_lines',
    'vendor_bills',
    'bill_payments',
    'bank_lines',
    'payouts',
    'fx_rates',
] %}
with generic as (
  {%- for entity in generic_entities %}
  select
    '{{ entity }}' as entity,
    source_system,
    source_table,
    cast(null as {{ dbt.type_string() }}) as record_id,
    _source_file as source_file,
    _row_number as row_number,
    invalid_reason as reason
  from {{ ref('stg_generic__' ~ entity) }}
  where invalid_reason is not null
  {%- if not loop.last %}
  union all{% endif %}
  {%- endfor %}
),

built_in as (
  select
    entity, 'stripe' as source_system, source_table,
    cast(null as {{ dbt.type_string() }}) as record_id, source_file, row_number, reason
  from {{ ref('stg_stripe__rows_without_id') }}
  union all
  select 'invoices', source_system, cast(null as {{ dbt.type_string() }}), invoice_id,
    cast(null as {{ dbt.type_string() }}), cast(null as bigint), invalid_reason
  from {{ ref('int_invoices') }}
  where not is_valid_invoice and source_system = 'stripe'
  union all
  select 'invoice_lines', source_system, cast(null as {{ dbt.type_string() }}), invoice_line_id,
    cast(null as {{ dbt.type_string() }}), cast(null as bigint), invalid_reason
  from {{ ref('int_invoice_lines') }}
  where not is_valid_line and source_system = 'stripe'
  union all
  select 'customers', source_system, cast(null as {{ dbt.type_string() }}), customer_id,
    cast(null as {{ dbt.type_string() }}), cast(null as bigint), invalid_reason
  from {{ ref('int_customers') }}
  where not is_valid and source_system = 'stripe'
  union all
  select 'subscriptions', source_system, cast(null as {{ dbt.type_string() }}), period_id,
    cast(null as {{ dbt.type_string() }}), cast(null as bigint), invalid_reason
  from {{ ref('int_subscription_periods') }}
  where not is_valid
  union all
  select 'opportunities', source_system, cast(null as {{ dbt.type_string() }}), opportunity_id,
    cast(null as {{ dbt.type_string() }}), cast(null as bigint),
    concat_ws('; ', amount_invalid_reason, dates_invalid_reason)
  from {{ ref('int_opportunities') }}
  where not (is_valid_amount and is_valid_dates)
  union all
  select 'order_lines', source_system, cast(null as {{ dbt.type_string() }}), sales_line_key,
    cast(null as {{ dbt.type_string() }}), cast(null as bigint),
    concat_ws('; ', order_date_invalid_reason, amount_invalid_reason)
  from {{ ref('int_order_lines') }}
  where not (is_valid_order_date and is_valid_amounts)
  union all
  select 'marketing_spend', source_system, cast(null as {{ dbt.type_string() }}),
    concat(platform, ':', coalesce(campaign_id, ''), ':', coalesce(cast(spend_date as {{ dbt.type_string() }}), '')),
    cast(null as {{ dbt.type_string() }}), cast(null as bigint), invalid_reason
  from {{ ref('int_marketing_spend') }}
  where not is_valid_row
)

select * from generic
union all
select * from built_in
