-- Grain: one row per recorded stage change (source_system, history_id): the data
-- contract's `opportunity_stage_history`, every source conformed (Salesforce's layout).
-- A view: it only unions its sources' staging tables, so copying them into one more
-- table would cost build time and disk for nothing (docs/TRANSFORM.md).
{{ config(materialized='view') }}

with vendor as (
  select 'salesforce' as source_system, v.*
  from {{ ref('stg_salesforce__opportunity_history') }} as v
),

generic as (
  select
    g.source_system,
    cast(concat(g.opportunity_id, ':', cast(g.changed_at as {{ dbt.type_string() }})) as {{ dbt.type_string() }}) as history_id,
    cast(g.opportunity_id as {{ dbt.type_string() }}) as opportunity_id,
    cast(g.changed_at as timestamp) as changed_at,
    cast(g.stage as {{ dbt.type_string() }}) as stage_name,
    cast(g.amount as decimal(18, 2)) as amount,
    cast(g.probability as decimal(9,2)) as probability_pct,
    cast(null as date) as close_date,
    cast(null as {{ dbt.type_string() }}) as changed_by_id
  from {{ ref('stg_generic__opportunity_stage_history') }} as g
  where g.invalid_reason is null
)

select * from vendor
union all
select * from generic
