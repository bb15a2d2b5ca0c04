-- Grain: one row per customer per month in which at least one MRR line of theirs covers
-- the month's last day (customer_id, month_start_date), up to the as-of month (the month
-- of the latest invoice). mrr = sum of those lines' line_mrr, in the customer's currency.
with lines as (
  select * from {{ ref('int_invoice_lines_normalized') }}
  where is_mrr_line
),

as_of as (
  select {{ revlake.month_start('max(invoice_date)') }} as as_of_month
  from {{ ref('stg_stripe__invoices') }}
),

digits as (
  select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
  union all select 5 union all select 6 union all select 7 union all select 8 union all select 9
),

month_offsets as (
  -- 0 .. 999 months: enough for any service period (a 10-year plan is 120)
  select a.d + 10 * b.d + 100 * c.d as k
  from digits as a cross join digits as b cross join digits as c
),

line_months as (
  select
    l.customer_id,
    l.currency,
    l.line_mrr,
    l.service_start_date,
    l.counts_until_date,
    {{ revlake.add_months(revlake.month_start('l.service_start_date'), 'o.k') }} as month_start_date
  from lines as l
  inner join month_offsets as o
    on o.k <= {{ dbt.datediff(revlake.month_start('l.service_start_date'),
                              revlake.month_start('l.counts_until_date'), 'month') }}
),

covered as (
  select
    lm.*,
    {{ revlake.month_end('lm.month_start_date') }} as month_end_date
  from line_months as lm
)

select
  c.customer_id,
  c.month_start_date,
  max(c.month_end_date) as month_end_date,
  max(c.currency) as currency,
  count(distinct c.currency) as currency_count,
  cast(sum(c.line_mrr) as decimal(18, 2)) as mrr,
  count(*) as line_count
from covered as c
cross join as_of
where c.month_end_date >= c.service_start_date
  and c.month_end_date < c.counts_until_date
  and c.month_start_date <= as_of.as_of_month
group by c.customer_id, c.month_start_date
