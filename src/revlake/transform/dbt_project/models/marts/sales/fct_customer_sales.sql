-- Grain: one row per customer with at least one sales order line, per currency
-- (customer_key, currency): lifetime sales and profit, demographics and completeness flags.
-- Age group: at the customer's first dated order (age_group_at_first_order); revenue by
-- age at each order is in fct_sales_profit.age_group_at_order.
-- High-value customers (is_high_value): the top decile by lifetime revenue — rank the
-- customers with orders by sales_amount (descending); the threshold is the revenue of the
-- customer at rank ceil(customers / 10); every customer with at least that revenue is
-- high-value, so customers tied at the threshold are all in (the decile can exceed 10%).
with lines as (
  select * from {{ ref('fct_sales_profit') }}
),

customers as (
  select * from {{ ref('dim_customer') }}
),

per_customer as (
  select
    customer_key,
    currency,
    min(order_date) as first_order_date,
    max(order_date) as last_order_date,
    count(distinct order_number) as orders,
    count(*) as lines,
    cast(sum(sales_amount) as decimal(18, 2)) as sales_amount,
    cast(coalesce(sum(profit_at_order), 0) as decimal(18, 2)) as profit_at_order,
    cast(coalesce(sum(profit_current), 0) as decimal(18, 2)) as profit_current
  from lines
  where customer_key is not null
  group by customer_key, currency
),

ranked as (
  select
    per_customer.*,
    row_number() over (
      partition by currency order by sales_amount desc, customer_key
    ) as revenue_rank,
    count(*) over (partition by currency) as customers_with_orders
  from per_customer
),

thresholds as (
  select currency, max(sales_amount) as high_value_threshold
  from ranked
  where revenue_rank = cast(ceil(customers_with_orders / 10.0) as bigint)
  group by currency
),

described as (
  select
    r.*,
    t.high_value_threshold,
    c.source_system,
    c.customer_name,
    c.gender,
    c.marital_status,
    case when c.is_valid_birth_date then c.birth_date end as birth_date,
    c.location_key,
    case
      when c.is_valid_birth_date and r.first_order_date is not null
        then {{ revlake.age_on('c.birth_date', 'r.first_order_date') }}
    end as age_at_first_order
  from ranked as r
  inner join thresholds as t on t.currency = r.currency
  left join customers as c on c.customer_key = r.customer_key
)

select
  customer_key,
  currency,
  source_system,
  customer_name,
  gender,
  marital_status,
  birth_date,
  coalesce(location_key, 'unknown') as location_key,
  first_order_date,
  last_order_date,
  orders,
  lines,
  sales_amount,
  profit_at_order,
  profit_current,
  age_at_first_order,
  {{ revlake.age_group('age_at_first_order') }} as age_group_at_first_order,
  revenue_rank,
  customers_with_orders,
  high_value_threshold,
  sales_amount >= high_value_threshold as is_high_value,
  gender is null as is_missing_gender,
  marital_status is null as is_missing_marital_status,
  birth_date is null as is_missing_birth_date,
  coalesce(location_key, 'unknown') = 'unknown' as is_missing_country
from described
