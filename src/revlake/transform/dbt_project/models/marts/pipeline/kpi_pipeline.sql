-- Grain: one row per CRM source per calendar month (pipeline_month_key =
-- source_system|month_start_date), from the month of the source's first opportunity to the
-- month of its as-of date.
-- Win rate = won ÷ (won + lost) among deals closed in the month (count based).
-- Cycle length = average days created → close of deals won in the month.
-- Open pipeline at month end = deals created on or before the month's last day and not
-- closed by then, valued at fct_pipeline.pipeline_amount_rc (the amount, else the list
-- price; amounts and probabilities as they are now; history of amounts is not restated).
-- A deal open now without a created date (MavenTech's Prospecting deals) is open in the
-- as-of month only: the latest month's open count and pipeline are every open deal, the
-- same definition as the deal scores (gold.ml_deal_scores) and the forecast. Coverage = open pipeline at month end ÷ amount won in the last
-- var('pipeline_coverage_months', 3) months (the run rate a quota would ask to repeat).
-- Ratios are rounded as decimals (cast, then round half away from zero): rounding a
-- double directly differs between DuckDB and Spark at half-way values such as 70.725.
{%- set window_months = var('pipeline_coverage_months', 3) | int %}
with opps as (
  select * from {{ ref('fct_pipeline') }}
),

bounds as (
  select
    source_system,
    {{ revlake.month_start('min(coalesce(created_date, close_date))') }} as first_month,
    {{ revlake.month_start('max(as_of_date)') }} as last_month
  from opps
  group by source_system
),

months as (
  select distinct b.source_system, d.month_start_date, d.month_end_date
  from bounds as b
  inner join {{ ref('dim_date') }} as d
    on d.month_start_date between b.first_month and b.last_month
),

created as (
  select source_system, {{ revlake.month_start('created_date') }} as month_start_date,
    count(*) as opportunities_created,
    sum(amount_rc) as created_amount_rc
  from opps where created_date is not null
  group by 1, 2
),

closed as (
  select source_system, {{ revlake.month_start('close_date') }} as month_start_date,
    sum(case when is_won then 1 else 0 end) as opportunities_won,
    sum(case when is_won then 0 else 1 end) as opportunities_lost,
    sum(case when is_won then amount_rc end) as won_amount_rc,
    -- deals flagged invalid (close before created, no created date) are counted above but
    -- left out of the averages: a negative cycle is a data error, not a fast deal
    avg(case when is_won and is_valid_dates then cast(cycle_days as double) end)
      as avg_cycle_days_won,
    avg(case when is_valid_dates then cast(cycle_days as double) end) as avg_cycle_days_closed
  from opps where is_closed and close_date is not null
  group by 1, 2
),

open_at_month_end as (
  select m.source_system, m.month_start_date,
    count(*) as open_opportunities,
    sum(o.pipeline_amount_rc) as open_pipeline_amount_rc,
    sum(o.pipeline_amount_rc * o.probability_pct * 0.01) as weighted_pipeline_amount_rc
  from months as m
  inner join opps as o
    on o.source_system = m.source_system
    and (
      o.created_date <= m.month_end_date
      or (o.created_date is null and not o.is_closed
        and m.month_start_date = {{ revlake.month_start('o.as_of_date') }})
    )
    and (not o.is_closed or o.close_date > m.month_end_date)
  group by 1, 2
),

joined as (
  select
    m.source_system,
    m.month_start_date,
    coalesce(cr.opportunities_created, 0) as opportunities_created,
    coalesce(cl.opportunities_won, 0) as opportunities_won,
    coalesce(cl.opportunities_lost, 0) as opportunities_lost,
    cast(coalesce(cl.won_amount_rc, 0) as decimal(18, 2)) as won_amount_rc,
    cl.avg_cycle_days_won,
    cl.avg_cycle_days_closed,
    coalesce(op.open_opportunities, 0) as open_opportunities,
    cast(coalesce(op.open_pipeline_amount_rc, 0) as decimal(18, 2)) as open_pipeline_amount_rc,
    cast(coalesce(op.weighted_pipeline_amount_rc, 0) as decimal(18, 2))
      as weighted_pipeline_amount_rc
  from months as m
  left join created as cr
    on cr.source_system = m.source_system and cr.month_start_date = m.month_start_date
  left join closed as cl
    on cl.source_system = m.source_system and cl.month_start_date = m.month_start_date
  left join open_at_month_end as op
    on op.source_system = m.source_system and op.month_start_date = m.month_start_date
),

windowed as (
  select
    joined.*,
    sum(won_amount_rc) over (
      partition by source_system order by month_start_date
      rows between {{ window_months - 1 }} preceding and current row
    ) as trailing_won_amount_rc
  from joined
)

select
  concat(source_system, '|', cast(month_start_date as {{ dbt.type_string() }}))
    as pipeline_month_key,
  source_system,
  month_start_date,
  opportunities_created,
  opportunities_won,
  opportunities_lost,
  cast(round(cast(cast(opportunities_won as double) / nullif(opportunities_won + opportunities_lost, 0) as decimal(38, 10)), 4) as decimal(18, 4)) as win_rate,
  won_amount_rc,
  cast(round(cast(avg_cycle_days_won as decimal(38, 10)), 2) as decimal(18, 2)) as avg_cycle_days_won,
  cast(round(cast(avg_cycle_days_closed as decimal(38, 10)), 2) as decimal(18, 2)) as avg_cycle_days_closed,
  open_opportunities,
  open_pipeline_amount_rc,
  weighted_pipeline_amount_rc,
  cast(trailing_won_amount_rc as decimal(18, 2)) as trailing_won_amount_rc,
  cast(round(cast(cast(open_pipeline_amount_rc as double) / nullif(cast(trailing_won_amount_rc as double), 0) as decimal(38, 10)), 4) as decimal(18, 4)) as pipeline_coverage
from windowed
