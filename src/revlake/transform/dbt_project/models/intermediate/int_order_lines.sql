-- Grain: one row per sales order line (sales_line_key): the data contract's `order_lines`,
-- every source conformed. dwh (ERP course): key order_number|product_number; the product
-- version is the one valid on the order date (else the current version); the customer is
-- the CRM customer of sls_cust_id. Files mapped onto the contract (stg_generic__order_lines):
-- key <source>:<order_id>|<line_number, else file row>; customer and product keys within
-- the source. Flags from silver are kept: a line with an impossible order date or
-- mismatched amounts is here, flagged.
with dwh_lines as (
  select * from {{ ref('stg_dwh__crm_sales') }}
),

product_match as (
  select
    l.order_number,
    l.product_number,
    p.product_version_id,
    row_number() over (
      partition by l.order_number, l.product_number
      order by
        case
          when l.order_date >= p.start_date and (p.valid_to is null or l.order_date <= p.valid_to)
            then 0
          when p.valid_to is null then 1
          else 2
        end,
        p.start_date desc nulls last,
        p.product_version_id desc
    ) as match_rank
  from dwh_lines as l
  inner join {{ ref('stg_dwh__crm_products') }} as p on p.product_number = l.product_number
),

dwh as (
select
  'dwh' as source_system,
  concat(l.order_number, '|', l.product_number) as sales_line_key,
  l.order_number,
  l.product_number,
  c.customer_id,
  case when c.customer_id is not null then concat('dwh:', c.customer_id) end as customer_key,
  case when pm.product_version_id is not null
    then concat('dwh:', cast(pm.product_version_id as {{ dbt.type_string() }})) end
    as product_key,
  l.order_date,
  l.ship_date,
  l.due_date,
  l.quantity,
  l.unit_price,
  l.sales_amount,
  l.unit_price_raw,
  l.sales_amount_raw,
  '{{ var("dwh_currency", "USD") }}' as currency,
  l.is_valid_order_date,
  l.order_date_invalid_reason,
  l.is_valid_amounts,
  l.amount_invalid_reason
from dwh_lines as l
left join product_match as pm
  on pm.order_number = l.order_number and pm.product_number = l.product_number
  and pm.match_rank = 1
left join {{ ref('stg_dwh__crm_customers') }} as c on c.crm_customer_id = l.crm_customer_id
),

generic as (
  select
    g.source_system,
    concat(g.source_system, ':', g.order_id, '|',
           coalesce(g.line_number, cast(g._row_number as {{ dbt.type_string() }})))
      as sales_line_key,
    g.order_id as order_number,
    g.product_id as product_number,
    g.customer_id,
    case when g.customer_id is not null then concat(g.source_system, ':', g.customer_id) end
      as customer_key,
    case when g.product_id is not null then concat(g.source_system, ':', g.product_id) end
      as product_key,
    g.order_date,
    g.ship_date,
    cast(null as date) as due_date,
    g.quantity,
    cast(coalesce(g.unit_price, g.amount / nullif(g.quantity, 0)) as decimal(18, 2)) as unit_price,
    cast(g.amount as decimal(18, 2)) as sales_amount,
    cast(g.unit_price as decimal(18, 2)) as unit_price_raw,
    cast(g.amount as decimal(18, 2)) as sales_amount_raw,
    upper(coalesce(g.currency, '{{ var("reporting_currency") }}')) as currency,
    g.order_date is not null as is_valid_order_date,
    case when g.order_date is null then 'missing order date' end as order_date_invalid_reason,
    g.invalid_reason is null as is_valid_amounts,
    g.invalid_reason as amount_invalid_reason
  from {{ ref('stg_generic__order_lines') }} as g
)

select * from dwh
union all
select * from generic
