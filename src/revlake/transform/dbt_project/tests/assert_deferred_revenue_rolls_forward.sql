-- Deferred revenue roll-forward: opening + billed − recognised − contra = closing on every
-- row, closing = the next month's opening (months are dense per customer and currency),
-- the first month opens at 0, and the total model equals Σ customers.
with per_customer as (
  select
    customer_id,
    currency,
    month_start_date,
    opening,
    billed,
    recognised,
    contra,
    closing,
    lead(opening) over (
      partition by customer_id, currency order by month_start_date
    ) as next_opening,
    lag(month_start_date) over (
      partition by customer_id, currency order by month_start_date
    ) as previous_month
  from {{ ref('fct_deferred_revenue_monthly') }}
),

broken as (
  select customer_id, currency, month_start_date, 'identity' as rule
  from per_customer
  where opening + billed - recognised - contra <> closing
  union all
  select customer_id, currency, month_start_date, 'closing is next opening' as rule
  from per_customer
  where next_opening is not null and next_opening <> closing
  union all
  select customer_id, currency, month_start_date, 'first month opens at 0' as rule
  from per_customer
  where previous_month is null and opening <> 0
  union all
  select customer_id, currency, month_start_date, 'months are dense' as rule
  from per_customer
  where previous_month is not null
    and previous_month <> {{ revlake.add_months('month_start_date', -1) }}
),

summed as (
  select month_start_date, currency, sum(closing) as closing, sum(billed) as billed
  from {{ ref('fct_deferred_revenue_monthly') }}
  group by month_start_date, currency
)

select customer_id, currency, month_start_date, rule from broken
union all
select 'total' as customer_id, s.currency, s.month_start_date, 'total equals customers' as rule
from summed as s
left join {{ ref('fct_deferred_revenue_monthly_total') }} as t
  on t.month_start_date = s.month_start_date and t.currency = s.currency
where t.closing is null or t.closing <> s.closing or t.billed <> s.billed
