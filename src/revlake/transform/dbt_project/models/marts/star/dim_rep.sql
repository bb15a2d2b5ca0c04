-- Grain: one row per sales rep (rep_key = '<source_system>:<rep_id>'), with team, manager
-- and region (see int_reps_unioned for how each source provides them).
select
  rep_key,
  source_system,
  rep_id,
  rep_name,
  email,
  team,
  region,
  case when manager_id is not null then concat(source_system, ':', manager_id) end
    as manager_rep_key,
  manager_name,
  is_active
from {{ ref('int_reps_unioned') }}
