-- Grain: one row per order month × customer location × category × subcategory × product ×
-- currency (order_month null for lines without an order date): the sales lines of
-- fct_sales_profit summed, so that totals, countries, categories, products and the
-- monthly trend are sums of one small table. Costs and profits are summed over the lines that have a cost on that basis;
-- sales_costed_* is the revenue of those lines (the base of a margin).
with lines as (
  select * from {{ ref('fct_sales_profit') }}
),

locations as (
  select location_key, country_name from {{ ref('dim_location') }}
)

select
  l.order_month,
  l.location_key,
  coalesce(max(loc.country_name), 'Unknown') as country_name,
  coalesce(l.category, 'Uncategorised') as category,
  coalesce(l.subcategory, 'Uncategorised') as subcategory,
  l.product_number,
  max(l.product_name) as product_name,
  l.currency,
  count(*) as lines,
  sum(l.quantity) as quantity,
  cast(sum(l.sales_amount) as decimal(18, 2)) as sales_amount,
  cast(coalesce(sum(l.cost_at_order), 0) as decimal(18, 2)) as cost_at_order,
  cast(coalesce(sum(l.cost_current), 0) as decimal(18, 2)) as cost_current,
  cast(coalesce(sum(l.profit_at_order), 0) as decimal(18, 2)) as profit_at_order,
  cast(coalesce(sum(l.profit_current), 0) as decimal(18, 2)) as profit_current,
  cast(coalesce(sum(case when l.cost_at_order is not null then l.sales_amount end), 0)
    as decimal(18, 2)) as sales_costed_at_order,
  cast(coalesce(sum(case when l.cost_current is not null then l.sales_amount end), 0)
    as decimal(18, 2)) as sales_costed_current,
  sum(case when l.cost_at_order is null then 1 else 0 end) as lines_without_cost_at_order,
  sum(case when l.cost_current is null then 1 else 0 end) as lines_without_cost_current
from lines as l
left join locations as loc on loc.location_key = l.location_key
group by
  l.order_month, l.location_key, coalesce(l.category, 'Uncategorised'),
  coalesce(l.subcategory, 'Uncategorised'), l.product_number, l.currency
