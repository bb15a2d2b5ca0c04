-- Grain: one row per refund (source_system, refund_id): the data contract's `refunds`,
-- every source conformed (Stripe's layout).
-- A view: it only unions its sources' staging tables, so copying them into one more
-- table would cost build time and disk for nothing (docs/TRANSFORM.md).
{{ config(materialized='view') }}

with vendor as (
  select 'stripe' as source_system, v.*
  from {{ ref('stg_stripe__refunds') }} as v
),

generic as (
  select
    g.source_system,
    cast(g.refund_id as {{ dbt.type_string() }}) as refund_id,
    cast(g.payment_id as {{ dbt.type_string() }}) as charge_id,
    cast(g.amount as decimal(18, 2)) as amount,
    cast(upper(coalesce(g.currency, '{{ var("reporting_currency") }}')) as {{ dbt.type_string() }}) as currency,
    cast(g.refund_date as timestamp) as created_at,
    cast(g.refund_date as date) as refund_date,
    cast(g.reason as {{ dbt.type_string() }}) as reason,
    cast('succeeded' as {{ dbt.type_string() }}) as status
  from {{ ref('stg_generic__refunds') }} as g
)

select * from vendor
union all
select * from generic
