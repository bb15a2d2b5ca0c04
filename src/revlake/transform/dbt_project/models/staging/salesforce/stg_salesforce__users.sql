-- Grain: one row per Salesforce user (user_id), i.e. a sales rep. Latest record wins.
-- Department is the sales team and Division the region (synthetic-company contract).
with src as (
  select *
  from {{ revlake.latest_record(revlake.bronze_table('salesforce_user', [
      'id', 'first_name', 'last_name', 'name', 'email', 'title', 'manager_id', 'department',
      'division', 'is_active', 'created_date', '_loaded_at', '_row_number']), 'id') }} as d
  where nullif(trim(id), '') is not null
)

select
  trim(id) as user_id,
  coalesce(
    {{ revlake.clean_text('name') }},
    trim(concat(coalesce(trim(first_name), ''), ' ', coalesce(trim(last_name), '')))
  ) as user_name,
  {{ revlake.clean_text('first_name') }} as first_name,
  {{ revlake.clean_text('last_name') }} as last_name,
  lower({{ revlake.clean_text('email') }}) as email,
  {{ revlake.clean_text('title') }} as title,
  {{ revlake.clean_text('manager_id') }} as manager_id,
  {{ revlake.clean_text('department') }} as team,
  {{ revlake.clean_text('division') }} as region,
  coalesce({{ revlake.to_bool('is_active') }}, true) as is_active,
  {{ revlake.to_timestamp('created_date') }} as created_at
from src
