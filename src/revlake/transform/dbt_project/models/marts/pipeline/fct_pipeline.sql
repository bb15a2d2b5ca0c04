-- Grain: one row per opportunity (opportunity_id), every CRM source.
-- amount is in the deal's currency; amount_rc in var('reporting_currency') at the FX rate
-- of the close date (closed deals) or of the as-of date (open deals); null when no rate is
-- known. expected_amount = amount × probability (Salesforce "expected revenue").
-- age_days: created → close (closed) or → as_of_date (open). cycle_days: created → close,
-- closed deals only. days_in_stage: current stage of an open deal, entered → as_of_date.
-- pipeline_amount_rc: THE amount every open-pipeline figure counts (kpi_pipeline, the deal
-- scores, the forecast): amount_rc, or — when the CRM records no amount (MavenTech records a
-- value only at close) — the product's list price converted the same way.
-- Not partitioned (macros/partitioned.sql): every row carries its source's as_of_date
-- (int_opportunities), so a day that moves it changes every row of the source; the exact
-- inputs of a deal (its record, current stage, the FX rates of its valuation date) would
-- also cost about what the model does.
{%- set rc = var('reporting_currency', 'USD') %}
with opps as (
  select * from {{ ref('int_opportunities') }}
),

current_stage as (
  select opportunity_id, entered_date
  from {{ ref('fct_opportunity_stage_history') }}
  where is_current
),

fx as (
  select rate_date, currency, rate_to_usd from {{ ref('int_fx_rates') }}
),

priced as (
  select
    o.*,
    case when o.is_closed then o.close_date else o.as_of_date end as valuation_date,
    coalesce(o.last_stage_change_date, cs.entered_date) as stage_entered_date
  from opps as o
  left join current_stage as cs on cs.opportunity_id = o.opportunity_id
)

select
  p.opportunity_id,
  p.source_system,
  p.opportunity_name,
  case when p.account_id is not null then concat(p.source_system, ':', p.account_id) end
    as customer_key,
  case when p.rep_id is not null then concat(p.source_system, ':', p.rep_id) end as rep_key,
  case when p.product_id is not null then concat(p.source_system, ':', p.product_id) end
    as product_key,
  p.plan_name,
  p.channel_id as channel_key,
  p.stage_name,
  p.stage_category,
  p.stage_category as outcome,
  p.is_closed,
  p.is_won,
  p.amount,
  p.currency,
  cast(case
    when p.amount is null then null
    when p.currency = '{{ rc }}' then p.amount
    else {{ revlake.convert_money('p.amount', 'fx_cur.rate_to_usd', 'fx_rc.rate_to_usd') }}
  end as decimal(18, 2)) as amount_rc,
  cast(case
    when p.amount is not null and p.currency = '{{ rc }}' then p.amount
    when p.amount is not null
      then {{ revlake.convert_money('p.amount', 'fx_cur.rate_to_usd', 'fx_rc.rate_to_usd') }}
    when p.list_price is null then null
    when p.currency = '{{ rc }}' then p.list_price
    else {{ revlake.convert_money('p.list_price', 'fx_cur.rate_to_usd', 'fx_rc.rate_to_usd') }}
  end as decimal(18, 2)) as pipeline_amount_rc,
  p.probability_pct,
  cast(round(p.amount * p.probability_pct * 0.01, 2) as decimal(18, 2)) as expected_amount,
  p.list_price,
  p.created_date,
  p.close_date,
  p.as_of_date,
  p.stage_entered_date,
  case
    when p.created_date is null then null
    when p.is_closed then {{ dbt.datediff('p.created_date', 'p.close_date', 'day') }}
    else {{ dbt.datediff('p.created_date', 'p.as_of_date', 'day') }}
  end as age_days,
  case when p.is_closed then {{ dbt.datediff('p.created_date', 'p.close_date', 'day') }} end
    as cycle_days,
  case when not p.is_closed then {{ dbt.datediff('p.stage_entered_date', 'p.as_of_date', 'day') }} end
    as days_in_stage,
  p.is_valid_amount,
  p.amount_invalid_reason,
  p.is_valid_dates,
  p.dates_invalid_reason,
  p.features
from priced as p
left join fx as fx_cur on fx_cur.currency = p.currency and fx_cur.rate_date = p.valuation_date
left join fx as fx_rc on fx_rc.currency = '{{ rc }}' and fx_rc.rate_date = p.valuation_date
