-- Grain: one row per credit note (source_system, credit_note_id): the data contract's
-- `credit_notes`, every source conformed (Stripe's layout). A credit note of a file mapped
-- onto the contract is issued before payment (credit_note_type pre_payment), so it lowers
-- the invoice's open balance.
-- A view: it only unions its sources' staging tables, so copying them into one more
-- table would cost build time and disk for nothing (docs/TRANSFORM.md).
{{ config(materialized='view') }}

with vendor as (
  select 'stripe' as source_system, v.*
  from {{ ref('stg_stripe__credit_notes') }} as v
),

generic as (
  select
    g.source_system,
    cast(g.credit_note_id as {{ dbt.type_string() }}) as credit_note_id,
    cast(g.credit_note_id as {{ dbt.type_string() }}) as credit_note_number,
    cast(g.invoice_id as {{ dbt.type_string() }}) as invoice_id,
    cast(null as {{ dbt.type_string() }}) as customer_id,
    cast(upper(coalesce(g.currency, '{{ var("reporting_currency") }}')) as {{ dbt.type_string() }}) as currency,
    cast(g.credit_note_date as timestamp) as created_at,
    cast(g.credit_note_date as date) as credit_note_date,
    cast(g.amount as decimal(18, 2)) as amount,
    cast(g.reason as {{ dbt.type_string() }}) as reason,
    cast('pre_payment' as {{ dbt.type_string() }}) as credit_note_type,
    cast('issued' as {{ dbt.type_string() }}) as status
  from {{ ref('stg_generic__credit_notes') }} as g
)

select * from vendor
union all
select * from generic
