-- Grain: one row per product version (product_key = '<source_system>:<product id>').
-- dwh: one row per CRM product version (prd_id) with its validity period rebuilt from the
-- next version's start, category from the ERP (has_category false for `CO_PE`, absent
-- from the ERP category table); maven: one row per product (list price); stripe: one
-- row per Stripe product.
with dwh as (
  select
    concat('dwh:', cast(p.product_version_id as {{ dbt.type_string() }})) as product_key,
    'dwh' as source_system,
    cast(p.product_version_id as {{ dbt.type_string() }}) as product_id,
    p.product_number,
    p.product_name,
    p.product_line,
    p.category_id,
    c.category,
    c.subcategory,
    c.category_id is not null as has_category,
    p.cost,
    cast(null as decimal(18, 2)) as list_price,
    p.start_date as valid_from,
    p.valid_to,
    p.valid_to is null as is_current,
    p.is_valid_dates,
    p.dates_invalid_reason
  from {{ ref('stg_dwh__crm_products') }} as p
  left join {{ ref('stg_dwh__erp_categories') }} as c on c.category_id = p.category_id
),

maven as (
  select
    concat('maven:', product_id), 'maven', product_id, product_match_key, product_name,
    cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}), series,
    cast(null as {{ dbt.type_string() }}), true, cast(null as decimal(18, 2)), list_price,
    cast(null as date), cast(null as date), true, true, cast(null as {{ dbt.type_string() }})
  from {{ ref('stg_maven__products') }}
),

stripe as (
  select
    concat('stripe:', product_id), 'stripe', product_id, product_id, product_name,
    cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
    cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}), false,
    cast(null as decimal(18, 2)), cast(null as decimal(18, 2)),
    cast(created_at as date), cast(null as date), is_active, true,
    cast(null as {{ dbt.type_string() }})
  from {{ ref('stg_stripe__products') }}
  where product_id is not null
)

select * from dwh
union all
select * from maven
union all
select * from stripe
