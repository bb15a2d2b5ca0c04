-- Grain: one row per customer (customer_key = '<source_system>:<customer id>'), from the
-- data contract's customers entity (int_customers: DWH customers with ERP demographics,
-- CRM accounts, Stripe customers, customers of files mapped onto the contract, and
-- customers only a subscription names, is_inferred). location_key: ISO country code when
-- known, else the country name, else `unknown` (dim_location).
select
  customer_key,
  source_system,
  customer_id,
  customer_name,
  first_name,
  last_name,
  gender,
  marital_status,
  birth_date,
  is_valid_birth_date,
  industry,
  segment,
  employees,
  coalesce(country_code, country_name, 'unknown') as location_key,
  created_date,
  crm_customer_id,
  has_erp_record,
  linked_account_key,
  email,
  currency,
  is_churned,
  churn_date,
  features,
  is_inferred
from {{ ref('int_customers') }}
