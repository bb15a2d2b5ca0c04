-- Grain: one row per marketing channel per calendar month (funnel_key =
-- channel_key|month_start_date) in which the channel had any funnel event.
-- Period view: each stage is counted in the month it happened — leads in the month they
-- were created, converted leads in the month of conversion (a lead flagged converted
-- without a conversion date: the month it was created; rpt_coverage says how many),
-- opportunities in the month they were created, wins and losses in the month they closed. Channel of an opportunity:
-- see int_opportunities (its converted lead's channel first).
-- Ratios are rounded as decimals (cast, then round half away from zero): rounding a
-- double directly differs between DuckDB and Spark at half-way values such as 70.725.
with leads as (
  select channel_id, {{ revlake.month_start('created_date') }} as month_start_date,
    count(*) as leads
  from {{ ref('int_leads') }}
  where created_date is not null
  group by 1, 2
),

converted as (
  select channel_id, {{ revlake.month_start('coalesce(converted_date, created_date)') }}
      as month_start_date,
    count(*) as converted_leads
  from {{ ref('int_leads') }}
  where is_converted and coalesce(converted_date, created_date) is not null
  group by 1, 2
),

opps as (
  select channel_key as channel_id, {{ revlake.month_start('created_date') }} as month_start_date,
    count(*) as opportunities_created
  from {{ ref('fct_pipeline') }}
  where created_date is not null
  group by 1, 2
),

closed as (
  select channel_key as channel_id, {{ revlake.month_start('close_date') }} as month_start_date,
    sum(case when is_won then 1 else 0 end) as opportunities_won,
    sum(case when is_won then 0 else 1 end) as opportunities_lost,
    sum(case when is_won then amount_rc end) as won_amount_rc
  from {{ ref('fct_pipeline') }}
  where is_closed and close_date is not null
  group by 1, 2
),

keys as (
  select channel_id, month_start_date from leads
  union
  select channel_id, month_start_date from converted
  union
  select channel_id, month_start_date from opps
  union
  select channel_id, month_start_date from closed
)

select
  concat(k.channel_id, '|', cast(k.month_start_date as {{ dbt.type_string() }})) as funnel_key,
  k.channel_id as channel_key,
  k.month_start_date,
  coalesce(l.leads, 0) as leads,
  coalesce(c.converted_leads, 0) as converted_leads,
  coalesce(o.opportunities_created, 0) as opportunities_created,
  coalesce(w.opportunities_won, 0) as opportunities_won,
  coalesce(w.opportunities_lost, 0) as opportunities_lost,
  cast(coalesce(w.won_amount_rc, 0) as decimal(18, 2)) as won_amount_rc,
  cast(round(cast(cast(c.converted_leads as double) / nullif(l.leads, 0) as decimal(38, 10)), 4) as decimal(18, 4)) as lead_conversion_rate,
  cast(round(cast(cast(w.opportunities_won as double) / nullif(w.opportunities_won + w.opportunities_lost, 0) as decimal(38, 10)), 4) as decimal(18, 4)) as win_rate
from keys as k
left join leads as l on l.channel_id = k.channel_id and l.month_start_date = k.month_start_date
left join converted as c
  on c.channel_id = k.channel_id and c.month_start_date = k.month_start_date
left join opps as o on o.channel_id = k.channel_id and o.month_start_date = k.month_start_date
left join closed as w on w.channel_id = k.channel_id and w.month_start_date = k.month_start_date
