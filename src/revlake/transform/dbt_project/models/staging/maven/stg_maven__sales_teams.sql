-- Grain: one row per MavenTech sales agent (rep_id = the agent's name).
-- The team is the agent's manager's team; regional_office is the region.
with src as (
  select *
  from {{ revlake.latest_record(revlake.bronze_table('maven_sales_teams', [
      'sales_agent', 'manager', 'regional_office', '_loaded_at', '_row_number']),
      'sales_agent') }} as d
  where nullif(trim(sales_agent), '') is not null
)

select
  trim(sales_agent) as rep_id,
  trim(sales_agent) as rep_name,
  {{ revlake.clean_text('manager') }} as manager_name,
  {{ revlake.clean_text('regional_office') }} as region
from src
