-- Reconciliation: fct_sales_profit has every line of fct_sales with its amount;
-- kpi_sales_monthly and fct_customer_sales sum to it; profit = sales − cost on each basis.
-- Returns the differences (nothing when it passes).
with sales as (
  select count(*) as lines, coalesce(sum(sales_amount), 0) as amount from {{ ref('fct_sales') }}
),

profit as (
  select count(*) as lines, coalesce(sum(sales_amount), 0) as amount,
    coalesce(sum(profit_at_order), 0) as profit_at_order,
    coalesce(sum(profit_current), 0) as profit_current,
    sum(case when cost_at_order is not null
      and profit_at_order <> sales_amount - cost_at_order then 1 else 0 end) as wrong_profit
  from {{ ref('fct_sales_profit') }}
),

monthly as (
  select coalesce(sum(lines), 0) as lines, coalesce(sum(sales_amount), 0) as amount,
    coalesce(sum(profit_at_order), 0) as profit_at_order,
    coalesce(sum(profit_current), 0) as profit_current
  from {{ ref('kpi_sales_monthly') }}
),

per_customer as (
  select coalesce(sum(lines), 0) as lines, coalesce(sum(sales_amount), 0) as amount
  from {{ ref('fct_customer_sales') }}
),

customer_lines as (
  select count(*) as lines, coalesce(sum(sales_amount), 0) as amount
  from {{ ref('fct_sales_profit') }}
  where customer_key is not null
)

select 'fct_sales_profit vs fct_sales' as check_name, s.lines as expected, p.lines as actual
from sales as s cross join profit as p
where s.lines <> p.lines or s.amount <> p.amount or p.wrong_profit > 0
union all
select 'kpi_sales_monthly vs fct_sales_profit', p.lines, m.lines
from profit as p cross join monthly as m
where p.lines <> m.lines or p.amount <> m.amount or p.profit_at_order <> m.profit_at_order
  or p.profit_current <> m.profit_current
union all
select 'fct_customer_sales vs fct_sales_profit', c.lines, pc.lines
from customer_lines as c cross join per_customer as pc
where c.lines <> pc.lines or c.amount <> pc.amount
