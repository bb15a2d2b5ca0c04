-- Grain: one row per calendar month (month_start_date) with MRR history, all in
-- var('reporting_currency').
-- MRR, paying customers and ARPA (MRR ÷ paying customers) are kpi_revenue_monthly's.
-- Monthly revenue churn rate = (churned + contraction MRR) ÷ MRR at the start of the
-- month (gross revenue churn, as in kpi_revenue_monthly), pooled over the trailing
-- var('ltv_churn_window_months', 3) months so one quiet month does not make LTV infinite.
-- LTV = ARPA × var('gross_margin', 1.0) ÷ revenue churn rate (ChartMogul's simple LTV).
-- CAC (blended) = all ad spend ÷ new customers; paid CAC = spend ÷ new customers whose
-- first touch is a paid channel. LTV:CAC = LTV ÷ blended CAC. Payback months = CAC ÷
-- (new MRR per new customer × gross margin).
-- Ratios are rounded as decimals (cast, then round half away from zero): rounding a
-- double directly differs between DuckDB and Spark at half-way values such as 70.725.
{%- set gm = var('gross_margin', 1.0) %}
{%- set window_months = var('ltv_churn_window_months', 3) | int %}
with revenue as (
  -- MRR, paying customers, ARPA and the movements come from kpi_revenue_monthly, where
  -- they are defined once
  select
    month_start_date,
    mrr_rc,
    paying_customers,
    arpa_rc as arpa,
    new_customers,
    new_mrr_rc,
    -(churn_mrr_rc + contraction_mrr_rc) as lost_mrr_rc
  from {{ ref('kpi_revenue_monthly') }}
),

paid_new as (
  select m.month_start_date, count(distinct m.customer_key) as paid_new_customers
  from {{ ref('fct_mrr_movements') }} as m
  inner join {{ ref('int_customers_attributed') }} as a on a.customer_key = m.customer_key
  inner join {{ ref('dim_channel') }} as c on c.channel_key = a.channel_id
  where m.movement_type = 'new' and c.channel_type = 'paid'
  group by m.month_start_date
),

spend as (
  select month_start_date, sum(spend_rc) as spend_rc
  from {{ ref('fct_channel_performance') }}
  group by month_start_date
),

joined as (
  select
    m.month_start_date,
    m.mrr_rc,
    m.paying_customers,
    m.arpa,
    lag(m.mrr_rc) over (order by m.month_start_date) as start_mrr_rc,
    m.new_customers,
    m.new_mrr_rc,
    m.lost_mrr_rc,
    coalesce(pn.paid_new_customers, 0) as paid_new_customers,
    coalesce(s.spend_rc, 0) as spend_rc
  from revenue as m
  left join paid_new as pn on pn.month_start_date = m.month_start_date
  left join spend as s on s.month_start_date = m.month_start_date
),

windowed as (
  select
    joined.*,
    sum(lost_mrr_rc) over (
      order by month_start_date rows between {{ window_months - 1 }} preceding and current row
    ) as window_lost_mrr_rc,
    sum(start_mrr_rc) over (
      order by month_start_date rows between {{ window_months - 1 }} preceding and current row
    ) as window_start_mrr_rc
  from joined
),

metrics as (
  select
    windowed.*,
    cast(window_lost_mrr_rc as double) / nullif(cast(window_start_mrr_rc as double), 0)
      as revenue_churn_rate,
    cast(spend_rc as double) / nullif(new_customers, 0) as cac,
    cast(spend_rc as double) / nullif(paid_new_customers, 0) as paid_cac,
    cast(new_mrr_rc as double) / nullif(new_customers, 0) as new_arpa
  from windowed
)

select
  month_start_date,
  '{{ var("reporting_currency", "USD") }}' as reporting_currency,
  cast(mrr_rc as decimal(18, 2)) as mrr_rc,
  paying_customers,
  cast(round(cast(arpa as decimal(38, 10)), 2) as decimal(18, 2)) as arpa_rc,
  new_customers,
  paid_new_customers,
  cast(new_mrr_rc as decimal(18, 2)) as new_mrr_rc,
  cast(lost_mrr_rc as decimal(18, 2)) as lost_mrr_rc,
  cast(spend_rc as decimal(18, 2)) as spend_rc,
  cast(round(cast(revenue_churn_rate as decimal(38, 10)), 6) as decimal(18, 6)) as revenue_churn_rate,
  cast(round(cast(arpa * {{ gm }} / nullif(revenue_churn_rate, 0) as decimal(38, 10)), 2) as decimal(18, 2)) as ltv_rc,
  cast(round(cast(cac as decimal(38, 10)), 2) as decimal(18, 2)) as cac_rc,
  cast(round(cast(paid_cac as decimal(38, 10)), 2) as decimal(18, 2)) as paid_cac_rc,
  cast(round(cast(arpa * {{ gm }} / nullif(revenue_churn_rate, 0) / nullif(cac, 0) as decimal(38, 10)), 4) as decimal(18, 4)) as ltv_to_cac,
  cast(round(cast(cac / nullif(new_arpa * {{ gm }}, 0) as decimal(38, 10)), 2) as decimal(18, 2)) as payback_months
from metrics
