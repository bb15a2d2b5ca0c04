-- Grain: one row per sales rep across sources (rep_key = '<source_system>:<rep_id>').
-- Salesforce users (team = Department, region = Division, manager via ManagerId),
-- MavenTech sales agents (team = their manager's team, region = regional office) and
-- HubSpot deal owners (name only: HubSpot exports carry no team or region).
with sf as (
  select
    'salesforce' as source_system,
    u.user_id as rep_id,
    u.user_name as rep_name,
    u.email,
    u.team,
    u.region,
    u.manager_id,
    m.user_name as manager_name,
    u.is_active
  from {{ ref('stg_salesforce__users') }} as u
  left join {{ ref('stg_salesforce__users') }} as m on m.user_id = u.manager_id
),

maven as (
  select
    'maven' as source_system,
    rep_id,
    rep_name,
    cast(null as {{ dbt.type_string() }}) as email,
    manager_name as team,
    region,
    cast(null as {{ dbt.type_string() }}) as manager_id,
    manager_name,
    true as is_active
  from {{ ref('stg_maven__sales_teams') }}
),

hubspot as (
  select distinct
    'hubspot' as source_system,
    owner_name as rep_id,
    owner_name as rep_name,
    cast(null as {{ dbt.type_string() }}) as email,
    cast(null as {{ dbt.type_string() }}) as team,
    cast(null as {{ dbt.type_string() }}) as region,
    cast(null as {{ dbt.type_string() }}) as manager_id,
    cast(null as {{ dbt.type_string() }}) as manager_name,
    true as is_active
  from {{ ref('stg_hubspot__deals') }}
  where owner_name is not null
),

generic as (
  -- owners named by opportunities of files mapped onto the data contract
  select distinct
    source_system,
    rep_id,
    rep_id as rep_name,
    cast(null as {{ dbt.type_string() }}) as email,
    cast(null as {{ dbt.type_string() }}) as team,
    cast(null as {{ dbt.type_string() }}) as region,
    cast(null as {{ dbt.type_string() }}) as manager_id,
    cast(null as {{ dbt.type_string() }}) as manager_name,
    true as is_active
  from {{ ref('int_opportunities') }}
  where source_system not in ('salesforce', 'hubspot', 'maven') and rep_id is not null
),

unioned as (
  select * from sf
  union all
  select * from maven
  union all
  select * from hubspot
  union all
  select * from generic
)

select concat(source_system, ':', rep_id) as rep_key, unioned.*
from unioned
