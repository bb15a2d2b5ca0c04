-- Grain: one row per lead (source_system, lead_id) with its marketing channel: the data
-- contract's `leads`, every source conformed (Salesforce leads, files mapped onto the
-- contract). Attribution rule: a lead whose campaign id appears in an ad-platform report
-- belongs to that platform's channel (google_ads, meta_ads, linkedin_ads, microsoft_ads);
-- otherwise its lead source, lower-cased with spaces as `_` (`Partner Referral` →
-- partner_referral); no source → unknown. A lead without a created date is kept
-- (has_created_date false): the funnel cannot place it in a month and says so.
-- Partitioned by lead_id (macros/partitioned.sql): a lead's row is computed from its own
-- records only (a mapped file's lead deduplicated per source and lead_id) and, beyond them,
-- from the ad-report platform of its campaign: that platform is hashed with the lead's
-- record, so a lead is recomputed when its record or its campaign's platform changed.
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_partitions('lead_id', revlake.leads_partition_inputs()) }}",
    post_hook="{{ revlake.keep_partition_hashes(revlake.leads_partition_inputs()) }}"
) }}
with campaigns as (
  select campaign_id, min(platform) as platform
  from {{ ref('int_marketing_spend') }}
  group by campaign_id
),

salesforce as (
  select 'salesforce' as source_system, l.*
  from {{ ref('stg_salesforce__leads') }} as l
  where {{ revlake.in_changed_partitions('l.lead_id') }}
),

generic as (
  select
    g.source_system,
    g.lead_id,
    cast(null as {{ dbt.type_string() }}) as first_name,
    cast(null as {{ dbt.type_string() }}) as last_name,
    g.company,
    lower(g.email) as email,
    g.country as country_name,
    g.lead_source,
    cast(null as {{ dbt.type_string() }}) as campaign_id,
    g.status,
    cast(null as {{ dbt.type_string() }}) as owner_id,
    cast(g.created_date as timestamp) as created_at,
    g.created_date,
    coalesce(g.is_converted, g.converted_opportunity_id is not null, false) as is_converted,
    g.converted_date,
    cast(null as {{ dbt.type_string() }}) as converted_account_id,
    g.converted_opportunity_id
  from (
    select
      g.*,
      row_number() over (
        partition by g.source_system, g.lead_id
        order by g._loaded_at desc nulls last, g._row_number desc nulls last
      ) as recency_rank
    from {{ ref('stg_generic__leads') }} as g
    where g.lead_id is not null
      and {{ revlake.in_changed_partitions('g.lead_id') }}
  ) as g
  where g.recency_rank = 1
),

unioned as (
  select * from salesforce
  union all
  select * from generic
)

select
  l.*,
  coalesce(
    c.platform,
    lower(replace(trim(l.lead_source), ' ', '_')),
    'unknown'
  ) as channel_id,
  l.created_date is not null as has_created_date
from unioned as l
left join campaigns as c on c.campaign_id = l.campaign_id
