-- Grain: one row per sales order line (sales_line_key = order_number|product_number), ERP
-- side (dwh). The product version is the one valid on the order date (else the current
-- version); the customer is the CRM customer of sls_cust_id. Flags from silver are kept:
-- a line with an impossible order date or mismatched amounts is here, flagged.
with lines as (
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
  from lines as l
  inner join {{ ref('stg_dwh__crm_products') }} as p on p.product_number = l.product_number
)

select
  concat(l.order_number, '|', l.product_number) as sales_line_key,
  l.order_number,
  l.product_number,
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
from lines as l
left join product_match as pm
  on pm.order_number = l.order_number and pm.product_number = l.product_number
  and pm.match_rank = 1
left join {{ ref('stg_dwh__crm_customers') }} as c on c.crm_customer_id = l.crm_customer_id
