-- Grain: one row per payment of a vendor bill (source_system, payment_id): the data
-- contract's `bill_payments`, every source conformed (Xero's layout).
-- A view: it only unions its sources' staging tables, so copying them into one more
-- table would cost build time and disk for nothing (docs/TRANSFORM.md).
{{ config(materialized='view') }}

with vendor as (
  select 'xero' as source_system, v.*
  from {{ ref('stg_accounting__bill_payments') }} as v
),

generic as (
  select
    g.source_system,
    cast(coalesce(g.payment_id, concat(g._source_file, ':', cast(g._row_number as {{ dbt.type_string() }}))) as {{ dbt.type_string() }}) as payment_id,
    cast(g.payment_date as date) as payment_date,
    cast(g.bill_id as {{ dbt.type_string() }}) as bill_number,
    cast(g.vendor as {{ dbt.type_string() }}) as vendor_name,
    cast(g.amount as decimal(18, 2)) as amount,
    cast(upper(coalesce(g.currency, '{{ var("reporting_currency") }}')) as {{ dbt.type_string() }}) as currency,
    cast(null as {{ dbt.type_string() }}) as bank_account,
    cast(g.reference as {{ dbt.type_string() }}) as reference,
    cast('ACCPAYPAYMENT' as {{ dbt.type_string() }}) as payment_type,
    cast('AUTHORISED' as {{ dbt.type_string() }}) as status,
    cast(g.invalid_reason is null as boolean) as is_valid
  from {{ ref('stg_generic__bill_payments') }} as g
)

select * from vendor
union all
select * from generic
