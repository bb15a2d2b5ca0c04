-- Grain: one row per CRM source per stage name (stage_conversion_key =
-- source_system|stage_name). Stage conversion: of the opportunities that entered a stage,
-- how many moved on to a later stage that is not a loss (progression_rate) and, of those
-- that have closed, how many were won (win_rate_from_stage). typical_position orders the
-- stages (average position of the stage in the deals' histories).
-- Ratios are rounded as decimals (cast, then round half away from zero): rounding a
-- double directly differs between DuckDB and Spark at half-way values such as 70.725.
-- A row aggregates every deal of its source that entered the stage, so it is rebuilt
-- whole, from the per-deal rows of fct_opportunity_stages_reached (partitioned by deal:
-- a day recomputes only the deals that changed and the open ones there).
with reached as (
  select * from {{ ref('fct_opportunity_stages_reached') }}
)

select
  concat(r.source_system, '|', r.stage_name) as stage_conversion_key,
  r.source_system,
  r.stage_name,
  cast(round(cast(avg(cast(r.first_sequence as double)) as decimal(38, 10)), 2) as decimal(18, 2)) as typical_position,
  count(*) as opportunities_entered,
  sum(r.progressed) as opportunities_progressed,
  cast(round(cast(cast(sum(r.progressed) as double) / count(*) as decimal(38, 10)), 4) as decimal(18, 4)) as progression_rate,
  sum(case when r.is_closed then 1 else 0 end) as opportunities_closed,
  sum(case when r.is_won then 1 else 0 end) as opportunities_won,
  cast(round(cast(cast(sum(case when r.is_won then 1 else 0 end) as double) / nullif(sum(case when r.is_closed then 1 else 0 end), 0) as decimal(38, 10)), 4) as decimal(18, 4)) as win_rate_from_stage,
  cast(round(cast(avg(r.days_in_stage) as decimal(38, 10)), 2) as decimal(18, 2)) as avg_days_in_stage
from reached as r
group by 1, 2, 3
