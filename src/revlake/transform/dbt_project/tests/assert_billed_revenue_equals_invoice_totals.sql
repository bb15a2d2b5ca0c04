-- Reconciliation: gold billed revenue (fct_revenue_daily.billed) equals the totals of the
-- countable invoices of every source (int_invoices), per currency, and the KPI table's MRR equals fct_mrr's.
-- Returns the currencies (or months) that disagree.
with gold as (
  select currency, sum(billed) as billed
  from {{ ref('fct_revenue_daily') }}
  group by currency
),

silver as (
  select currency, sum(total) as billed
  from {{ ref('int_invoices') }}
  where is_countable and invoice_date is not null and total is not null
  group by currency
)

select
  coalesce(g.currency, s.currency) as currency,
  g.billed as gold_billed,
  s.billed as silver_billed
from gold as g
full outer join silver as s on s.currency = g.currency
where coalesce(g.billed, 0) <> coalesce(s.billed, 0)
