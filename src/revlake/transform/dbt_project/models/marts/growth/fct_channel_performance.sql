-- Grain: one row per marketing channel per calendar month (channel_month_key =
-- channel_key|month_start_date) with spend or funnel or new-MRR activity.
-- spend_rc: ad spend converted to var('reporting_currency') at the spend day's rate.
-- new_customers / new_mrr_rc: `new` movements of fct_mrr_movements in the month, credited
-- to the customer's first-touch channel (int_customers_attributed).
-- CAC = spend ÷ new customers; ROAS = 12 × new MRR ÷ spend (first-year revenue per unit of
-- spend); payback months = CAC ÷ (new MRR per new customer × var('gross_margin', 1.0)).
-- Ratios are rounded as decimals (cast, then round half away from zero): rounding a
-- double directly differs between DuckDB and Spark at half-way values such as 70.725.
{%- set rc = var('reporting_currency', 'USD') %}
{%- set gm = var('gross_margin', 1.0) %}
with fx as (
  select rate_date, currency, rate_to_usd from {{ ref('int_fx_rates') }}
),

spend as (
  select
    s.platform as channel_id,
    {{ revlake.month_start('s.spend_date') }} as month_start_date,
    sum(s.impressions) as impressions,
    sum(s.clicks) as clicks,
    sum(s.spend) as spend_in_account_currency,
    sum(case
      when s.currency = '{{ rc }}' then s.spend
      else {{ revlake.convert_money('s.spend', 'fx_cur.rate_to_usd', 'fx_rc.rate_to_usd') }}
    end) as spend_rc,
    sum(case
      when s.currency <> '{{ rc }}' and (fx_cur.rate_to_usd is null or fx_rc.rate_to_usd is null)
        then 1 else 0
    end) as rows_without_rate
  from {{ ref('int_marketing_spend') }} as s
  left join fx as fx_cur on fx_cur.currency = s.currency and fx_cur.rate_date = s.spend_date
  left join fx as fx_rc on fx_rc.currency = '{{ rc }}' and fx_rc.rate_date = s.spend_date
  where s.is_valid_row
  group by 1, 2
),

new_business as (
  select
    a.channel_id,
    m.month_start_date,
    count(distinct m.customer_key) as new_customers,
    sum(m.amount_rc) as new_mrr_rc
  from {{ ref('fct_mrr_movements') }} as m
  inner join {{ ref('int_customers_attributed') }} as a on a.customer_key = m.customer_key
  where m.movement_type = 'new'
  group by 1, 2
),

funnel as (
  select * from {{ ref('fct_funnel') }}
),

keys as (
  select channel_id, month_start_date from spend
  union
  select channel_id, month_start_date from new_business
  union
  select channel_key, month_start_date from funnel
),

joined as (
  select
    k.channel_id,
    k.month_start_date,
    coalesce(s.impressions, 0) as impressions,
    coalesce(s.clicks, 0) as clicks,
    cast(coalesce(s.spend_rc, 0) as decimal(18, 2)) as spend_rc,
    coalesce(s.rows_without_rate, 0) as spend_rows_without_fx_rate,
    coalesce(f.leads, 0) as leads,
    coalesce(f.opportunities_created, 0) as opportunities_created,
    coalesce(f.opportunities_won, 0) as opportunities_won,
    coalesce(n.new_customers, 0) as new_customers,
    cast(coalesce(n.new_mrr_rc, 0) as decimal(18, 2)) as new_mrr_rc
  from keys as k
  left join spend as s on s.channel_id = k.channel_id and s.month_start_date = k.month_start_date
  left join funnel as f on f.channel_key = k.channel_id and f.month_start_date = k.month_start_date
  left join new_business as n
    on n.channel_id = k.channel_id and n.month_start_date = k.month_start_date
)

select
  concat(channel_id, '|', cast(month_start_date as {{ dbt.type_string() }}))
    as channel_month_key,
  channel_id as channel_key,
  month_start_date,
  impressions,
  clicks,
  spend_rc,
  spend_rows_without_fx_rate,
  leads,
  opportunities_created,
  opportunities_won,
  new_customers,
  new_mrr_rc,
  '{{ rc }}' as reporting_currency,
  cast(round(cast(cast(spend_rc as double) / nullif(new_customers, 0) as decimal(38, 10)), 2) as decimal(18, 2)) as cac_rc,
  cast(round(cast(12 * cast(new_mrr_rc as double) / nullif(cast(spend_rc as double), 0) as decimal(38, 10)), 4) as decimal(18, 4)) as roas,
  cast(round(cast(cast(spend_rc as double) / nullif(cast(new_mrr_rc as double) * {{ gm }}, 0) as decimal(38, 10)), 2) as decimal(18, 2)) as payback_months
from joined
