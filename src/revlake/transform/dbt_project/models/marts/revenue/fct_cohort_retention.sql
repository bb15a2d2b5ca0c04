-- Grain: one row per cohort month and age in months (cohort_month, age_months), for every
-- age from 0 up to the as-of month. A customer's cohort is the first month they paid.
-- logo_retention = cohort customers paying at that age ÷ cohort size;
-- revenue_retention = their MRR at that age ÷ the cohort's MRR in its first month, both in
-- var reporting_currency (net: expansion and reactivation count).
with mrr as (
  select * from {{ ref('fct_mrr') }}
),

first_paid as (
  select customer_key, min(month_start_date) as cohort_month
  from mrr
  where is_paying
  group by customer_key
),

months as (
  select distinct month_start_date from mrr
),

cohorts as (
  select
    f.cohort_month,
    count(*) as cohort_customers,
    sum(m.mrr_rc) as cohort_mrr_rc
  from first_paid as f
  inner join mrr as m
    on m.customer_key = f.customer_key and m.month_start_date = f.cohort_month
  group by f.cohort_month
),

grid as (
  select
    c.cohort_month,
    mo.month_start_date,
    {{ dbt.datediff('c.cohort_month', 'mo.month_start_date', 'month') }} as age_months,
    c.cohort_customers,
    c.cohort_mrr_rc
  from cohorts as c
  inner join months as mo on mo.month_start_date >= c.cohort_month
),

active as (
  select
    f.cohort_month,
    m.month_start_date,
    count(*) as active_customers,
    sum(m.mrr_rc) as mrr_rc
  from first_paid as f
  inner join mrr as m on m.customer_key = f.customer_key and m.is_paying
  group by f.cohort_month, m.month_start_date
)

select
  g.cohort_month,
  cast(g.age_months as integer) as age_months,
  g.month_start_date,
  '{{ var("reporting_currency") | upper }}' as reporting_currency,
  g.cohort_customers,
  coalesce(a.active_customers, 0) as active_customers,
  cast(g.cohort_mrr_rc as decimal(18, 2)) as cohort_mrr_rc,
  cast(coalesce(a.mrr_rc, 0) as decimal(18, 2)) as mrr_rc,
  cast(coalesce(a.active_customers, 0) as double) / g.cohort_customers as logo_retention,
  case when g.cohort_mrr_rc > 0
    then cast(coalesce(a.mrr_rc, 0) as double) / cast(g.cohort_mrr_rc as double)
  end as revenue_retention
from grid as g
left join active as a
  on a.cohort_month = g.cohort_month and a.month_start_date = g.month_start_date
