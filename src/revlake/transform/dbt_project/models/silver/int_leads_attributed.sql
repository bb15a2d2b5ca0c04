-- Grain: one row per lead (lead_id) with its marketing channel.
-- Attribution rule: a lead whose campaign id appears in an ad-platform report belongs to
-- that platform's channel (google_ads, meta_ads, linkedin_ads, microsoft_ads); otherwise
-- its lead source, lower-cased with spaces as `_` (`Partner Referral` → partner_referral);
-- no source → unknown.
with campaigns as (
  select campaign_id, min(platform) as platform
  from {{ ref('stg_marketing__ad_spend') }}
  group by campaign_id
)

select
  l.*,
  coalesce(
    c.platform,
    lower(replace(trim(l.lead_source), ' ', '_')),
    'unknown'
  ) as channel_id
from {{ ref('stg_salesforce__leads') }} as l
left join campaigns as c on c.campaign_id = l.campaign_id
