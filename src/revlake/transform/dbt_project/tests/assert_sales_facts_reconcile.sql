-- Reconciliation: every sales line of the contract (int_order_lines, every source) is in
-- fct_sales with its amount, and every
-- order of fct_orders sums its lines. Returns the differences (nothing when it passes).
with silver as (
  select count(*) as lines, coalesce(sum(sales_amount), 0) as amount,
    coalesce(sum(quantity), 0) as quantity
  from {{ ref('int_order_lines') }}
),

lines as (
  select count(*) as lines, coalesce(sum(sales_amount), 0) as amount,
    coalesce(sum(quantity), 0) as quantity
  from {{ ref('fct_sales') }}
),

orders as (
  select coalesce(sum(line_count), 0) as lines, coalesce(sum(sales_amount), 0) as amount,
    coalesce(sum(quantity), 0) as quantity
  from {{ ref('fct_orders') }}
)

select 'fct_sales vs silver' as check_name, s.lines as expected_lines, l.lines as actual_lines,
  s.amount as expected_amount, l.amount as actual_amount
from silver as s cross join lines as l
where s.lines <> l.lines or s.amount <> l.amount or s.quantity <> l.quantity
union all
select 'fct_orders vs fct_sales', l.lines, o.lines, l.amount, o.amount
from lines as l cross join orders as o
where l.lines <> o.lines or l.amount <> o.amount or l.quantity <> o.quantity
