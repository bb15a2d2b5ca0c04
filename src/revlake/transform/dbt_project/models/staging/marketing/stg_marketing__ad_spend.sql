-- Grain: one row per ad platform, campaign and day (platform, campaign_id, spend_date).
-- The four ad-platform reports (Google, Meta, LinkedIn, Microsoft) conformed to one
-- layout; spend is in the account currency of the report (currency). For each platform,
-- the latest loaded record of a (campaign, day) wins.
{%- set platforms = [
    {'name': 'google_ads', 'table': 'google_ads_campaign_report',
     'cols': ['day', 'campaign_id', 'campaign', 'currency_code', 'impressions', 'clicks', 'cost', 'conversions'],
     'date': 'day', 'id': 'campaign_id', 'label': 'campaign', 'currency': 'currency_code',
     'impressions': 'impressions', 'clicks': 'clicks', 'spend': 'cost', 'conversions': 'conversions'},
    {'name': 'meta_ads', 'table': 'meta_ads_campaign_report',
     'cols': ['reporting_starts', 'reporting_ends', 'campaign_id', 'campaign_name', 'currency', 'impressions', 'link_clicks', 'amount_spent_usd', 'results'],
     'date': 'reporting_starts', 'id': 'campaign_id', 'label': 'campaign_name', 'currency': 'currency',
     'impressions': 'impressions', 'clicks': 'link_clicks', 'spend': 'amount_spent_usd', 'conversions': 'results'},
    {'name': 'linkedin_ads', 'table': 'linkedin_ads_campaign_report',
     'cols': ['start_date_in_utc', 'campaign_id', 'campaign_name', 'currency', 'impressions', 'clicks', 'total_spent', 'leads'],
     'date': 'start_date_in_utc', 'id': 'campaign_id', 'label': 'campaign_name', 'currency': 'currency',
     'impressions': 'impressions', 'clicks': 'clicks', 'spend': 'total_spent', 'conversions': 'leads'},
    {'name': 'microsoft_ads', 'table': 'microsoft_ads_campaign_report',
     'cols': ['time_period', 'campaign_id', 'campaign_name', 'currency_code', 'impressions', 'clicks', 'spend', 'conversions'],
     'date': 'time_period', 'id': 'campaign_id', 'label': 'campaign_name', 'currency': 'currency_code',
     'impressions': 'impressions', 'clicks': 'clicks', 'spend': 'spend', 'conversions': 'conversions'},
] %}

with
{%- for p in platforms %}
{{ p.name }} as (
  select
    '{{ p.name }}' as platform,
    trim({{ p.id }}) as campaign_id,
    {{ revlake.clean_text(p.label) }} as campaign_name,
    {{ revlake.to_date(p.date) }} as spend_date,
    upper({{ revlake.clean_text(p.currency) }}) as currency,
    {{ revlake.to_int(p.impressions) }} as impressions,
    {{ revlake.to_int(p.clicks) }} as clicks,
    {{ revlake.to_money(p.spend) }} as spend,
    try_cast(nullif(trim({{ p.conversions }}), '') as decimal(18, 2)) as conversions,
    _loaded_at,
    _row_number
  from {{ revlake.bronze_table(p.table, p.cols + ['_loaded_at', '_row_number']) }} as b
  where nullif(trim({{ p.id }}), '') is not null
),
{%- endfor %}

unioned as (
{%- for p in platforms %}
  select * from {{ p.name }}{{ " union all" if not loop.last }}
{%- endfor %}
),

ranked as (
  select
    unioned.*,
    row_number() over (
      partition by platform, campaign_id, spend_date
      order by _loaded_at desc nulls last, cast(_row_number as bigint) desc nulls last
    ) as recency_rank
  from unioned
)

select
  platform,
  campaign_id,
  campaign_name,
  spend_date,
  currency,
  coalesce(impressions, 0) as impressions,
  coalesce(clicks, 0) as clicks,
  coalesce(spend, cast(0 as decimal(18, 2))) as spend,
  coalesce(conversions, cast(0 as decimal(18, 2))) as conversions,
  case
    when spend_date is null then 'invalid date'
    when spend < 0 then 'negative spend'
    when currency is null then 'missing currency'
  end as invalid_reason,
  spend_date is not null and coalesce(spend, 0) >= 0 and currency is not null as is_valid_row
from ranked
where recency_rank = 1
