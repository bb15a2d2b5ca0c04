-- Grain: one row per bank statement line (source_system, transaction_id): the data
-- contract's `bank_lines`, every source conformed (the bank statement layout).
-- A view: it only unions its sources' staging tables, so copying them into one more
-- table would cost build time and disk for nothing (docs/TRANSFORM.md).
{{ config(materialized='view') }}

with vendor as (
  select 'bank' as source_system, v.*
  from {{ ref('stg_bank__transactions') }} as v
),

generic as (
  select
    g.source_system,
    cast(coalesce(g.line_id, concat(g._source_file, ':', cast(g._row_number as {{ dbt.type_string() }}))) as {{ dbt.type_string() }}) as transaction_id,
    cast(g.line_date as date) as transaction_date,
    cast(null as {{ dbt.type_string() }}) as transaction_type,
    cast(g.description as {{ dbt.type_string() }}) as description,
    cast(g.reference as {{ dbt.type_string() }}) as reference,
    cast(g.counterparty as {{ dbt.type_string() }}) as counterparty,
    cast(upper(coalesce(g.currency, '{{ var("reporting_currency") }}')) as {{ dbt.type_string() }}) as currency,
    cast(g.amount as decimal(18, 2)) as amount,
    cast(g.balance as decimal(18, 2)) as balance,
    cast(null as {{ dbt.type_string() }}) as account,
    cast(g.invalid_reason is null as boolean) as is_valid
  from {{ ref('stg_generic__bank_lines') }} as g
)

select * from vendor
union all
select * from generic
