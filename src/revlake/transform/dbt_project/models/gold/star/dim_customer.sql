-- Grain: one row per customer (customer_key = '<source_system>:<customer id>').
-- dwh: CRM customers (latest record per cst_id) enriched with the ERP birth date, gender
-- and country after the ids are unified (`NASAW00011000`, `AW-00011000` → `AW00011000`);
-- gender from the CRM, else the ERP. CRM accounts (Salesforce, HubSpot, MavenTech) and
-- Stripe customers are customers too (linked_account_key: the Salesforce account a Stripe
-- customer belongs to).
with dwh as (
  select
    concat('dwh:', c.customer_id) as customer_key,
    'dwh' as source_system,
    c.customer_id,
    trim(concat(coalesce(c.first_name, ''), ' ', coalesce(c.last_name, ''))) as customer_name,
    c.first_name,
    c.last_name,
    coalesce(c.gender, e.gender) as gender,
    c.marital_status,
    e.birth_date,
    e.is_valid_birth_date,
    cast(null as {{ dbt.type_string() }}) as industry,
    cast(null as {{ dbt.type_string() }}) as segment,
    cast(null as bigint) as employees,
    coalesce(l.country_code, l.country_name, 'unknown') as location_key,
    c.created_date,
    c.crm_customer_id,
    e.customer_id is not null as has_erp_record,
    cast(null as {{ dbt.type_string() }}) as linked_account_key
  from {{ ref('stg_dwh__crm_customers') }} as c
  left join {{ ref('stg_dwh__erp_customers') }} as e on e.customer_id = c.customer_id
  left join {{ ref('stg_dwh__erp_locations') }} as l on l.customer_id = c.customer_id
),

accounts as (
  select
    account_key, source_system, account_id, account_name,
    cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
    cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
    cast(null as date), cast(null as boolean), industry, segment, employees,
    coalesce(country_code, country_name, 'unknown'), created_date, cast(null as bigint),
    cast(null as boolean), cast(null as {{ dbt.type_string() }})
  from {{ ref('int_accounts_unioned') }}
),

stripe as (
  select
    concat('stripe:', c.customer_id), 'stripe', c.customer_id, c.customer_name,
    cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
    cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
    cast(null as date), cast(null as boolean), cast(null as {{ dbt.type_string() }}),
    cast(null as {{ dbt.type_string() }}), cast(null as bigint),
    coalesce(m.country_code, c.country_code, 'unknown'), cast(c.created_at as date),
    cast(null as bigint), cast(null as boolean),
    case when c.salesforce_account_id is not null
      then concat('salesforce:', c.salesforce_account_id) end
  from {{ ref('stg_stripe__customers') }} as c
  left join {{ ref('int_country_names_mapped') }} as m on m.variant_key = upper(c.country_code)
  where c.customer_id is not null
)

select * from dwh
union all
select * from accounts
union all
select * from stripe
