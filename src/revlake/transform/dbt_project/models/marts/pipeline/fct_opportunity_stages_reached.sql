-- Grain: one row per opportunity per stage it reached (stage_reached_key =
-- opportunity_id|stage_name; the opportunity's source_system beside it). For each stage a
-- deal entered: the position of its first entry (first_sequence), its longest stay
-- (days_in_stage), whether the deal later entered another stage that is not a loss
-- (progressed) and whether it has closed and was won. kpi_pipeline_stage_conversion
-- aggregates these rows per source and stage.
-- Partitioned by opportunity (macros/partitioned.sql): a deal's rows are computed from its
-- own stage history entries and its pipeline record only. An open deal's days in its
-- current stage move with the as-of date, so a day recomputes the open deals and the deals
-- whose records changed, never the closed deals left as they were.
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_partitions('opportunity_id', revlake.stages_reached_partition_inputs(), upstream=['fct_opportunity_stage_history']) }}",
    post_hook="{{ revlake.keep_partition_hashes(revlake.stages_reached_partition_inputs()) }}"
) }}
with history as (
  select * from {{ ref('fct_opportunity_stage_history') }}
  where opportunity_id is not null
    and {{ revlake.in_changed_partitions('opportunity_id') }}
),

pipeline as (
  select opportunity_id, is_closed, is_won from {{ ref('fct_pipeline') }}
  where {{ revlake.in_changed_partitions('opportunity_id') }}
),

reached as (
  select
    h.source_system,
    h.stage_name,
    h.opportunity_id,
    min(h.stage_sequence) as first_sequence,
    max(cast(h.days_in_stage as double)) as days_in_stage
  from history as h
  where h.stage_name is not null
  group by 1, 2, 3
),

later as (
  -- every history entry of the deal counts, whatever its source or stage
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
  concat(r.opportunity_id, '|', r.stage_name) as stage_reached_key,
  r.opportunity_id,
  r.source_system,
  r.stage_name,
  r.first_sequence,
  r.days_in_stage,
  l.progressed,
  p.is_closed,
  p.is_won
from reached as r
inner join later as l
  on l.opportunity_id = r.opportunity_id
  and l.source_system = r.source_system
  and l.stage_name = r.stage_name
inner join pipeline as p on p.opportunity_id = r.opportunity_id
