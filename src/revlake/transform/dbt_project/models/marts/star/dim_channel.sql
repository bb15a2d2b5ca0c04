-- Grain: one row per marketing channel (channel_key). Paid channels are the ad platforms
-- (google_ads, meta_ads, linkedin_ads, microsoft_ads); the others are lead sources as the
-- CRM exports them (lower case, spaces → `_`); `unknown` when a deal has no source.
with channels as (
  select distinct platform as channel_key from {{ ref('int_marketing_spend') }}
  union
  select distinct channel_id from {{ ref('int_leads') }}
  union
  select distinct channel_id from {{ ref('int_opportunities') }}
  union
  select distinct channel_id from {{ ref('int_customers_attributed') }}
  union
  select 'unknown'
)

select
  channel_key,
  case channel_key
    when 'google_ads' then 'Google Ads'
    when 'meta_ads' then 'Meta Ads'
    when 'linkedin_ads' then 'LinkedIn Ads'
    when 'microsoft_ads' then 'Microsoft Ads'
    when 'unknown' then 'Unknown'
    else replace(channel_key, '_', ' ')
  end as channel_name,
  case
    when channel_key in ('google_ads', 'meta_ads', 'linkedin_ads', 'microsoft_ads') then 'paid'
    when channel_key = 'unknown' then 'unknown'
    else 'other'
  end as channel_type
from channels
where channel_key is not null
