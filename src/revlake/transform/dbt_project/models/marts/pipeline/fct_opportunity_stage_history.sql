-- Grain: one row per opportunity per stage entry (stage_history_key =
-- opportunity_id|stage_sequence). Consecutive history records in the same stage (amount or
-- probability edits) are one entry. Sources: Salesforce OpportunityHistory; MavenTech
-- (derived: Prospecting without a date, Engaging at engage_date, Won/Lost at close_date);
-- HubSpot (derived: the current stage, entered at creation or, when closed, at close).
-- days_in_stage: entered → next entry; for the current stage of an open deal, entered →
-- as_of_date; null for a closing (won/lost) stage.
-- Partitioned by opportunity (macros/partitioned.sql): every row of a deal is computed from
-- that deal's history records and opportunity record only (the windows and the join are
-- per opportunity_id). Beyond its own rows it depends on its source's as-of date, for an
-- open deal only (days_in_stage of the current stage): the date is in the hash of open
-- deals, so an incremental build recomputes the deals whose records changed and the open
-- deals of a source whose as-of date moved, never the closed deals left as they were.
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_partitions('opportunity_id', revlake.opportunity_stage_history_partition_inputs()) }}",
    post_hook="{{ revlake.keep_partition_hashes(revlake.opportunity_stage_history_partition_inputs()) }}"
) }}
with opps as (
  select * from {{ ref('int_opportunities') }}
  where {{ revlake.in_changed_partitions('opportunity_id') }}
),

sf_history as (
  select
    h.opportunity_id,
    h.stage_name,
    h.changed_at,
    h.history_id,
    h.amount,
    h.probability_pct,
    lag(h.stage_name) over (
      partition by h.opportunity_id order by h.changed_at nulls first, h.history_id
    ) as previous_stage
  from {{ ref('int_opportunity_stage_history') }} as h
  where h.opportunity_id is not null
    and {{ revlake.in_changed_partitions('h.opportunity_id') }}
),

entries as (
  select
    opportunity_id, stage_name, cast(changed_at as date) as entered_date,
    changed_at as sort_at, amount, probability_pct
  from sf_history
  where previous_stage is null or previous_stage <> stage_name
  union all
  select
    opportunity_id, 'Prospecting', cast(null as date), cast(null as timestamp), amount,
    probability_pct
  from opps
  where source_system = 'maven' and lower(stage_name) = 'prospecting'
  union all
  select
    opportunity_id, 'Engaging', created_date, cast(created_date as timestamp), amount,
    probability_pct
  from opps
  where source_system = 'maven' and created_date is not null
  union all
  select
    opportunity_id, stage_name, close_date, cast(close_date as timestamp), amount,
    probability_pct
  from opps
  where source_system = 'maven' and stage_category <> 'open'
  union all
  select
    opportunity_id, stage_name,
    case when stage_category = 'open' then created_date else coalesce(close_date, created_date) end,
    cast(case when stage_category = 'open' then created_date
      else coalesce(close_date, created_date) end as timestamp),
    amount, probability_pct
  from opps
  where source_system = 'hubspot'
),

sequenced as (
  select
    e.*,
    row_number() over (
      partition by e.opportunity_id order by e.sort_at nulls first, e.stage_name
    ) as stage_sequence,
    lead(e.entered_date) over (
      partition by e.opportunity_id order by e.sort_at nulls first, e.stage_name
    ) as exited_date
  from entries as e
)

select
  concat(s.opportunity_id, '|', cast(s.stage_sequence as {{ dbt.type_string() }}))
    as stage_history_key,
  s.opportunity_id,
  o.source_system,
  s.stage_sequence,
  s.stage_name,
  case
    when s.exited_date is null and o.stage_category <> 'open' then o.stage_category
    else 'open'
  end as stage_category,
  s.entered_date,
  s.exited_date,
  s.exited_date is null and s.stage_sequence = max(s.stage_sequence) over (
    partition by s.opportunity_id) as is_current,
  case
    when s.exited_date is not null
      then {{ dbt.datediff('s.entered_date', 's.exited_date', 'day') }}
    when o.stage_category = 'open'
      then {{ dbt.datediff('s.entered_date', 'o.as_of_date', 'day') }}
  end as days_in_stage,
  s.amount,
  s.probability_pct
from sequenced as s
inner join opps as o on o.opportunity_id = s.opportunity_id
