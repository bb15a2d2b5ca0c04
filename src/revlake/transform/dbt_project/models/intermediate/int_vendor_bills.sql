-- Grain: one row per vendor bill (source_system, bill_number): the data contract's
-- `vendor_bills`, every source conformed (Xero's layout as the payables books use it).
-- A view: it only unions its sources' staging tables, so copying them into one more
-- table would cost build time and disk for nothing (docs/TRANSFORM.md).
{{ config(materialized='view') }}

with vendor as (
  select 'xero' as source_system, v.*
  from {{ ref('stg_accounting__bills') }} as v
),

generic as (
  select
    g.source_system,
    cast(g.bill_id as {{ dbt.type_string() }}) as bill_number,
    cast('bill' as {{ dbt.type_string() }}) as document_type,
    cast(g.vendor as {{ dbt.type_string() }}) as vendor_name,
    cast(null as {{ dbt.type_string() }}) as vendor_email,
    cast(null as {{ dbt.type_string() }}) as reference,
    cast(g.bill_date as date) as bill_date,
    cast(coalesce(g.due_date, g.bill_date) as date) as due_date,
    cast(g.total as decimal(18, 2)) as total,
    cast(0 as decimal(18, 2)) as tax_total,
    cast(coalesce(g.amount_paid, 0) as decimal(18, 2)) as amount_paid,
    cast(g.total - coalesce(g.amount_paid, 0) as decimal(18, 2)) as amount_due,
    cast(null as {{ dbt.type_string() }}) as description,
    cast(null as {{ dbt.type_string() }}) as account_code,
    cast(upper(coalesce(g.currency, '{{ var("reporting_currency") }}')) as {{ dbt.type_string() }}) as currency,
    cast(upper(coalesce(g.status, 'AUTHORISED')) as {{ dbt.type_string() }}) as status,
    cast(g.invalid_reason is null as boolean) as is_valid
  from {{ ref('stg_generic__vendor_bills') }} as g
)

select * from vendor
union all
select * from generic
