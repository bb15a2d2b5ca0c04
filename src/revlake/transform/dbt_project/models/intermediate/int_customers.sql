-- Grain: one row per customer (customer_key = '<source_system>:<customer_id>'): the data
-- contract's `customers` entity, every source conformed:
--   dwh          ERP-course CRM customers (latest record per id) with the ERP birth date,
--                gender and country after the ids are unified (`NASAW00011000`,
--                `AW-00011000` → `AW00011000`); gender from the CRM, else the ERP;
--   salesforce, hubspot, maven   CRM accounts (int_accounts_unioned);
--   stripe       billing customers (linked_account_key: the Salesforce account a Stripe
--                customer belongs to);
--   any source mapped onto the contract (stg_generic__customers: generic_customers and the
--                workspace's own layouts), with its churn label and feature columns;
--   inferred     a customer that a subscription period, an invoice, an order or an
--                opportunity names but
--                no customer file has (is_inferred): every fact keeps a customer to join.
-- Invalid rows are kept with invalid_reason.
with dwh as (
  select
    'dwh' as source_system,
    c.customer_id,
    trim(concat(coalesce(c.first_name, ''), ' ', coalesce(c.last_name, ''))) as customer_name,
    c.first_name,
    c.last_name,
    coalesce(c.gender, e.gender) as gender,
    c.marital_status,
    e.birth_date,
    e.is_valid_birth_date,
    cast(null as {{ dbt.type_string() }}) as email,
    cast(null as {{ dbt.type_string() }}) as industry,
    cast(null as {{ dbt.type_string() }}) as segment,
    cast(null as bigint) as employees,
    l.country_name,
    l.country_code,
    c.created_date,
    cast(null as {{ dbt.type_string() }}) as currency,
    c.crm_customer_id,
    e.customer_id is not null as has_erp_record,
    cast(null as {{ dbt.type_string() }}) as linked_account_key,
    cast(null as boolean) as is_churned,
    cast(null as date) as churn_date,
    cast(null as {{ dbt.type_string() }}) as features,
    false as is_inferred,
    cast(null as {{ dbt.type_string() }}) as invalid_reason
  from {{ ref('stg_dwh__crm_customers') }} as c
  left join {{ ref('stg_dwh__erp_customers') }} as e on e.customer_id = c.customer_id
  left join {{ ref('stg_dwh__erp_locations') }} as l on l.customer_id = c.customer_id
),

accounts as (
  select
    source_system, account_id, account_name,
    cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
    cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
    cast(null as date), cast(null as boolean), cast(null as {{ dbt.type_string() }}),
    industry, segment, employees, country_name, country_code, created_date,
    cast(null as {{ dbt.type_string() }}), cast(null as bigint), cast(null as boolean),
    cast(null as {{ dbt.type_string() }}), cast(null as boolean), cast(null as date),
    cast(null as {{ dbt.type_string() }}), false, cast(null as {{ dbt.type_string() }})
  from {{ ref('int_accounts_unioned') }}
),

stripe as (
  select
    'stripe', c.customer_id, c.customer_name,
    cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
    cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
    cast(null as date), cast(null as boolean), c.email, cast(null as {{ dbt.type_string() }}),
    cast(null as {{ dbt.type_string() }}), cast(null as bigint),
    coalesce(m.country_name, c.country_code), m.country_code,
    cast(c.created_at as date), upper(c.currency), cast(null as bigint),
    cast(null as boolean),
    case when c.salesforce_account_id is not null
      then concat('salesforce:', c.salesforce_account_id) end,
    cast(null as boolean), cast(null as date), cast(null as {{ dbt.type_string() }}), false,
    c.invalid_reason
  from {{ ref('stg_stripe__customers') }} as c
  left join {{ ref('stg_reference__country_names') }} as m on m.variant_key = upper(c.country_code)
  where c.customer_id is not null
),

generic as (
  -- stg_generic__customers already keeps one row per (source_system, customer_id)
  select
    g.source_system, g.customer_id, g.customer_name,
    cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
    cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
    cast(null as date), cast(null as boolean), g.email, g.industry, g.segment, g.employees,
    coalesce(m.country_name, g.country), m.country_code, g.created_date, upper(g.currency),
    cast(null as bigint), cast(null as boolean), cast(null as {{ dbt.type_string() }}),
    coalesce(g.is_churned, g.churn_date is not null), g.churn_date, g.features, false,
    g.invalid_reason
  from {{ ref('stg_generic__customers') }} as g
  left join {{ ref('stg_reference__country_names') }} as m on m.variant_key = upper(trim(g.country))
  where g.customer_id is not null
),

known as (
  select * from dwh
  union all
  select * from accounts
  union all
  select * from stripe
  union all
  select * from generic
),

inferred as (
  select
    p.source_system, p.customer_id, cast(null as {{ dbt.type_string() }}),
    cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
    cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
    cast(null as date), cast(null as boolean), cast(null as {{ dbt.type_string() }}),
    cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
    cast(null as bigint), cast(null as {{ dbt.type_string() }}),
    cast(null as {{ dbt.type_string() }}), cast(null as date), max(p.currency),
    cast(null as bigint), cast(null as boolean), cast(null as {{ dbt.type_string() }}),
    cast(null as boolean), cast(null as date), cast(null as {{ dbt.type_string() }}), true,
    cast(null as {{ dbt.type_string() }})
  from (
    select source_system, customer_id, currency from {{ ref('int_subscription_periods') }}
    union all
    select source_system, customer_id, currency from {{ ref('int_invoices') }}
    union all
    select source_system, customer_id, currency from {{ ref('int_order_lines') }}
    where source_system <> 'dwh'
    union all
    select source_system, account_id, currency from {{ ref('int_opportunities') }}
    where source_system not in ('salesforce', 'hubspot', 'maven')
  ) as p
  left join known as k
    on k.source_system = p.source_system and k.customer_id = p.customer_id
  where p.customer_id is not null and k.customer_id is null
  group by p.source_system, p.customer_id
)

select
  concat(source_system, ':', customer_id) as customer_key,
  unioned.*,
  invalid_reason is null as is_valid
from (
  select * from known
  union all
  select * from inferred
) as unioned
