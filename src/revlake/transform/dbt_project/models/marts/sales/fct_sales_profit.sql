-- Grain: one row per sales order line (sales_line_key), the lines of fct_sales with their
-- cost and profit on two bases and the customer's age at the order date.
-- Cost at order (the default basis): quantity × the unit cost of the product version whose
-- validity period contains the order date (fct_sales.product_key: int_order_lines picks
-- it; a line without a valid order date gets the current version). Current cost: quantity
-- × the unit cost of the product's current version (no later version; latest start).
-- Profit = sales_amount − cost; null when that basis has no cost (never a zero cost).
-- Age at order: whole years from the customer's valid birth date to the order date.
with lines as (
  select * from {{ ref('fct_sales') }}
),

products as (
  select * from {{ ref('dim_product') }}
),

current_versions as (
  select source_system, product_number, cost as current_unit_cost
  from (
    select
      p.source_system,
      p.product_number,
      p.cost,
      row_number() over (
        partition by p.source_system, p.product_number
        order by
          case when p.valid_to is null then 0 else 1 end,
          p.valid_from desc nulls last,
          p.product_id desc nulls last
      ) as version_rank
    from products as p
    where p.product_number is not null
  ) as ranked
  where version_rank = 1
),

customers as (
  select customer_key, birth_date, is_valid_birth_date, location_key
  from {{ ref('dim_customer') }}
),

costed as (
  select
    l.sales_line_key,
    l.source_system,
    l.order_number,
    l.order_date,
    {{ revlake.month_start('l.order_date') }} as order_month,
    l.customer_key,
    coalesce(c.location_key, 'unknown') as location_key,
    l.product_key,
    coalesce(p.product_number, l.product_number) as product_number,
    p.product_name,
    p.category,
    p.subcategory,
    l.quantity,
    l.sales_amount,
    l.currency,
    p.cost as unit_cost_at_order,
    coalesce(cv.current_unit_cost, p.cost) as unit_cost_current,
    case
      when c.is_valid_birth_date and l.order_date is not null
        then {{ revlake.age_on('c.birth_date', 'l.order_date') }}
    end as customer_age_at_order,
    l.is_valid_order_date,
    l.is_valid_amounts
  from lines as l
  left join products as p on p.product_key = l.product_key
  left join current_versions as cv
    on cv.source_system = p.source_system and cv.product_number = p.product_number
  left join customers as c on c.customer_key = l.customer_key
)

select
  costed.*,
  cast(quantity * unit_cost_at_order as decimal(18, 2)) as cost_at_order,
  cast(quantity * unit_cost_current as decimal(18, 2)) as cost_current,
  cast(sales_amount - quantity * unit_cost_at_order as decimal(18, 2)) as profit_at_order,
  cast(sales_amount - quantity * unit_cost_current as decimal(18, 2)) as profit_current,
  {{ revlake.age_group('customer_age_at_order') }} as age_group_at_order
from costed
