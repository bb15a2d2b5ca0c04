-- Grain: one row per channel, campaign and day (platform, campaign_id, spend_date): the
-- data contract's `marketing_spend`, every source conformed (the ad-platform layout).
-- Spend files mapped onto the contract use their channel as the platform.
-- A view: it only unions its sources' staging tables, so copying them into one more
-- table would cost build time and disk for nothing (docs/TRANSFORM.md).
{{ config(materialized='view') }}

with vendor as (
  select 'ads' as source_system, v.*
  from {{ ref('stg_marketing__ad_spend') }} as v
),

generic as (
  select
    g.source_system,
    cast(lower(replace(trim(g.channel), ' ', '_')) as {{ dbt.type_string() }}) as platform,
    cast(coalesce(g.campaign_id, g.campaign_name, 'all') as {{ dbt.type_string() }}) as campaign_id,
    cast(g.campaign_name as {{ dbt.type_string() }}) as campaign_name,
    cast(g.spend_date as date) as spend_date,
    cast(upper(coalesce(g.currency, '{{ var("reporting_currency") }}')) as {{ dbt.type_string() }}) as currency,
    cast(g.impressions as bigint) as impressions,
    cast(g.clicks as bigint) as clicks,
    cast(g.spend as decimal(18, 2)) as spend,
    cast(g.conversions as decimal(18, 2)) as conversions,
    cast(g.invalid_reason as {{ dbt.type_string() }}) as invalid_reason,
    cast(g.invalid_reason is null as boolean) as is_valid_row
  from {{ ref('stg_generic__marketing_spend') }} as g
)

select * from vendor
union all
select * from generic
