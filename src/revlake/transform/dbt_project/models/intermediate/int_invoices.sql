-- Grain: one row per invoice (source_system, invoice_id): the data contract's `invoices`,
-- every source conformed to the billing layout the finance books use (Stripe's columns).
-- Files mapped onto the contract: status from the file, else paid when nothing is open;
-- amount_due = total; amount_paid = the file's, else total − open; amount_remaining = the
-- open amount, else total − paid. Invalid rows are kept (is_valid_invoice false).
-- A view: it only unions its sources' staging tables (with a country-name lookup), so
-- copying them into one more table would cost build time and disk for nothing
-- (docs/TRANSFORM.md).
{{ config(materialized='view') }}

with vendor as (
  select 'stripe' as source_system, v.*
  from {{ ref('stg_stripe__invoices') }} as v
),

generic as (
  select
    g.source_system,
    cast(g.invoice_id as {{ dbt.type_string() }}) as invoice_id,
    cast(1 as bigint) as source_record_count,
    cast(g.invoice_id as {{ dbt.type_string() }}) as invoice_number,
    cast(g.customer_id as {{ dbt.type_string() }}) as customer_id,
    cast(null as {{ dbt.type_string() }}) as subscription_id,
    cast(null as {{ dbt.type_string() }}) as billing_reason,
    cast(lower(coalesce(g.status, case when coalesce(g.amount_due, g.total - coalesce(g.amount_paid, 0)) = 0 then 'paid' else 'open' end)) as {{ dbt.type_string() }}) as status,
    cast(upper(coalesce(g.currency, '{{ var("reporting_currency") }}')) as {{ dbt.type_string() }}) as currency,
    cast(g.invoice_date as timestamp) as invoiced_at,
    cast(g.invoice_date as date) as invoice_date,
    cast(coalesce(g.due_date, g.invoice_date) as date) as due_date,
    cast(null as timestamp) as period_start_at,
    cast(null as timestamp) as period_end_at,
    cast(g.total - coalesce(g.tax_amount, 0) as decimal(18, 2)) as subtotal,
    cast(0 as decimal(18, 2)) as discount_amount,
    cast(coalesce(g.tax_amount, 0) as decimal(18, 2)) as tax_amount,
    cast(g.total as decimal(18, 2)) as total,
    cast(g.total as decimal(18, 2)) as amount_due,
    cast(coalesce(g.amount_paid, g.total - g.amount_due, 0) as decimal(18, 2)) as amount_paid,
    cast(coalesce(g.amount_due, g.total - coalesce(g.amount_paid, 0)) as decimal(18, 2)) as amount_remaining,
    cast(null as bigint) as attempt_count,
    cast(coalesce(g.amount_due, g.total - coalesce(g.amount_paid, 0)) = 0 as boolean) as is_paid,
    cast(coalesce(cn.country_code, upper(g.customer_country)) as {{ dbt.type_string() }}) as customer_country_code,
    cast(g.customer_tax_id as {{ dbt.type_string() }}) as customer_tax_id,
    cast(coalesce(lower(g.status) not in ('void', 'draft'), true) as boolean) as is_countable,
    cast(g.invalid_reason as {{ dbt.type_string() }}) as invalid_reason,
    cast(g.invalid_reason is null as boolean) as is_valid_invoice
  from {{ ref('stg_generic__invoices') }} as g
  left join {{ ref('stg_reference__country_names') }} as cn on cn.variant_key = upper(trim(g.customer_country))
)

select * from vendor
union all
select * from generic
