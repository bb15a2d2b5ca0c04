-- Grain: one row per sales order (order_number), ERP side: its lines summed.
-- order_date is the order's valid order date (null when every line's date is impossible);
-- has_invalid_lines says whether any line was flagged in silver.
select
  order_number,
  min(customer_key) as customer_key,
  min(order_date) as order_date,
  min(ship_date) as ship_date,
  min(due_date) as due_date,
  count(*) as line_count,
  sum(quantity) as quantity,
  cast(sum(sales_amount) as decimal(18, 2)) as sales_amount,
  min(currency) as currency,
  sum(case when is_valid_order_date and is_valid_amounts then 0 else 1 end) as invalid_line_count,
  max(case when is_valid_order_date and is_valid_amounts then 0 else 1 end) = 1
    as has_invalid_lines
from {{ ref('fct_sales') }}
group by order_number
