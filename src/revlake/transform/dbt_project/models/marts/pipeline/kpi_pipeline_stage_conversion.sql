-- Grain: one row per CRM source per stage name (stage_conversion_key =
-- source_system|stage_name). Stage conversion: of the opportunities that entered a stage,
-- how many moved on to a later stage that is not a loss (progression_rate) and, of those
-- that have closed, how many were won (win_rate_from_stage). typical_position orders the
-- stages (average position of the stage in the deals' histories).
-- Ratios are rounded as decimals (cast, then round half away from zero): rounding a
-- double directly differs between DuckDB and Spark at half-way values such as 70.725.
-- Not partitioned (macros/partitioned.sql): a row aggregates every deal of its source that
-- entered the stage (with each deal's whole history), so no key splits the inputs below
-- the row itself; one deal recomputes every stage it reached, and the open deals' days in
-- stage (the as-of date) every stage they reached, most rows on any day.
with history as (
  select * from {{ ref('fct_opportunity_stage_history') }}
),

reached as (
  select
    h.source_system,
    h.stage_name,
    h.opportunity_id,
    min(h.stage_sequence) as first_sequence,
    max(cast(h.days_in_stage as double)) as days_in_stage
  from history as h
  group by 1, 2, 3
),

later as (
  select
    r.source_system,
    r.stage_name,
    r.opportunity_id,
    max(case when h.stage_sequence > r.first_sequence and h.stage_category <> 'lost'
      then 1 else 0 end) as progressed
  from reached as r
  inner join history as h on h.opportunity_id = r.opportunity_id
  group by 1, 2, 3
)

select
  concat(r.source_system, '|', r.stage_name) as stage_conversion_key,
  r.source_system,
  r.stage_name,
  cast(round(cast(avg(cast(r.first_sequence as double)) as decimal(38, 10)), 2) as decimal(18, 2)) as typical_position,
  count(*) as opportunities_entered,
  sum(l.progressed) as opportunities_progressed,
  cast(round(cast(cast(sum(l.progressed) as double) / count(*) as decimal(38, 10)), 4) as decimal(18, 4)) as progression_rate,
  sum(case when p.is_closed then 1 else 0 end) as opportunities_closed,
  sum(case when p.is_won then 1 else 0 end) as opportunities_won,
  cast(round(cast(cast(sum(case when p.is_won then 1 else 0 end) as double) / nullif(sum(case when p.is_closed then 1 else 0 end), 0) as decimal(38, 10)), 4) as decimal(18, 4)) as win_rate_from_stage,
  cast(round(cast(avg(r.days_in_stage) as decimal(38, 10)), 2) as decimal(18, 2)) as avg_days_in_stage
from reached as r
inner join later as l
  on l.opportunity_id = r.opportunity_id and l.stage_name = r.stage_name
inner join {{ ref('fct_pipeline') }} as p on p.opportunity_id = r.opportunity_id
where r.stage_name is not null
group by 1, 2, 3
