-- Grain: one row per payment-provider payout (source_system, payout_id): the data
-- contract's `payouts`, every source conformed (Stripe's layout); bank reconciliation
-- matches them to bank lines.
-- A view: it only unions its sources' staging tables, so copying them into one more
-- table would cost build time and disk for nothing (docs/TRANSFORM.md).
{{ config(materialized='view') }}

with vendor as (
  select 'stripe' as source_system, v.*
  from {{ ref('stg_stripe__payouts') }} as v
),

generic as (
  select
    g.source_system,
    cast(g.payout_id as {{ dbt.type_string() }}) as payout_id,
    cast(g.amount as decimal(18, 2)) as amount,
    cast(upper(coalesce(g.currency, '{{ var("reporting_currency") }}')) as {{ dbt.type_string() }}) as currency,
    cast(g.arrival_date as date) as arrival_date,
    cast(g.arrival_date as timestamp) as created_at,
    cast(lower(coalesce(g.status, 'paid')) as {{ dbt.type_string() }}) as status,
    cast(g.description as {{ dbt.type_string() }}) as description
  from {{ ref('stg_generic__payouts') }} as g
)

select * from vendor
union all
select * from generic
