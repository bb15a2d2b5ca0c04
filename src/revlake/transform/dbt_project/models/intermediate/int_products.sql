-- Grain: one row per product version (product_key = '<source_system>:<product id>'): the
-- data contract's `products`, every source conformed.
-- dwh: one row per CRM product version (prd_id) with its validity period rebuilt from the
-- next version's start, category from the ERP (has_category false for `CO_PE`, absent
-- from the ERP category table); maven: one row per product (list price); stripe: one
-- row per Stripe product; any source mapped onto the contract (stg_generic__products):
-- one row per product (latest record), cost and list price as given.
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
),

generic as (
  select
    concat(source_system, ':', product_id), source_system, product_id, product_id,
    product_name, cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
    category, cast(null as {{ dbt.type_string() }}), category is not null,
    cast(cost as decimal(18, 2)), cast(list_price as decimal(18, 2)),
    cast(null as date), cast(null as date), true, invalid_reason is null, invalid_reason
  from (
    select
      g.*,
      row_number() over (
        partition by g.source_system, g.product_id
        order by g._loaded_at desc nulls last, g._row_number desc nulls last
      ) as recency_rank
    from {{ ref('stg_generic__products') }} as g
    where g.product_id is not null
  ) as ranked
  where recency_rank = 1
),

known as (
  select * from dwh
  union all
  select * from maven
  union all
  select * from stripe
  union all
  select * from generic
),

inferred as (
  -- products an order line or opportunity of a mapped file names but no product file has
  select
    o.product_key, max(o.source_system), max(o.product_number), max(o.product_number),
    cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
    cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
    cast(null as {{ dbt.type_string() }}), false, cast(null as decimal(18, 2)),
    cast(null as decimal(18, 2)), cast(null as date), cast(null as date), true, true,
    cast(null as {{ dbt.type_string() }})
  from (
    select source_system, product_key, product_number from {{ ref('int_order_lines') }}
    where source_system <> 'dwh'
    union all
    select source_system, concat(source_system, ':', product_id), product_id
    from {{ ref('int_opportunities') }}
    where source_system not in ('salesforce', 'hubspot', 'maven')
  ) as o
  left join known as k on k.product_key = o.product_key
  where o.product_key is not null and k.product_key is null
  group by o.product_key
)

select * from known
union all
select * from inferred
