-- Reconciliation: every silver sales line is in fact_sales with its amount, and every
-- order of fact_orders sums its lines. Returns the differences (nothing when it passes).
with silver as (
  select count(*) as lines, coalesce(sum(sales_amount), 0) as amount,
    coalesce(sum(quantity), 0) as quantity
  from {{ ref('stg_dwh__crm_sales') }}
),

lines as (
  select count(*) as lines, coalesce(sum(sales_amount), 0) as amount,
    coalesce(sum(quantity), 0) as quantity
  from {{ ref('fact_sales') }}
),

orders as (
  select coalesce(sum(line_count), 0) as lines, coalesce(sum(sales_amount), 0) as amount,
    coalesce(sum(quantity), 0) as quantity
  from {{ ref('fact_orders') }}
)

select 'fact_sales vs silver' as check_name, s.lines as expected_lines, l.lines as actual_lines,
  s.amount as expected_amount, l.amount as actual_amount
from silver as s cross join lines as l
where s.lines <> l.lines or s.amount <> l.amount or s.quantity <> l.quantity
union all
select 'fact_orders vs fact_sales', l.lines, o.lines, l.amount, o.amount
from lines as l cross join orders as o
where l.lines <> o.lines or l.amount <> o.amount or l.quantity <> o.quantity
