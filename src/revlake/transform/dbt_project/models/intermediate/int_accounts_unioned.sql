-- Grain: one row per CRM account across sources (source_system, account_id):
-- Salesforce accounts, HubSpot companies and MavenTech accounts in one layout.
-- account_key = '<source_system>:<account_id>' is the conformed key the gold layer uses.
-- A view: it only unions its sources' staging tables, so copying them into one more
-- table would cost build time and disk for nothing (docs/TRANSFORM.md).
{{ config(materialized='view') }}

with unioned as (
  select
    'salesforce' as source_system, account_id, account_name, industry, segment,
    country_name, country_code, employees, annual_revenue,
    cast(null as {{ dbt.type_string() }}) as parent_account_name,
    cast(created_at as date) as created_date
  from {{ ref('stg_salesforce__accounts') }}
  union all
  select
    'hubspot', company_id, company_name, industry, cast(null as {{ dbt.type_string() }}),
    country_name, country_code, employees, annual_revenue,
    cast(null as {{ dbt.type_string() }}), cast(created_at as date)
  from {{ ref('stg_hubspot__companies') }}
  union all
  select
    'maven', account_id, account_name, industry, cast(null as {{ dbt.type_string() }}),
    country_name, country_code, employees, annual_revenue, parent_account_name,
    cast(null as date)
  from {{ ref('stg_maven__accounts') }}
)

select concat(source_system, ':', account_id) as account_key, unioned.*
from unioned
