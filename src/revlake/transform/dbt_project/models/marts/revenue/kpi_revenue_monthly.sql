-- Grain: one row per month (month_start_date) from the first month with MRR to the as-of
-- month, all amounts in var reporting_currency. Definitions: docs/METRICS.md.
-- fiscal_year / fiscal_quarter follow var fiscal_year_start_month (a fiscal year is named
-- by the calendar year in which it ends).
--   mrr_rc, arr_rc = 12 × mrr_rc, paying_customers, arpa_rc = mrr_rc ÷ paying customers
--   movements: new, expansion, contraction, churn, reactivation, fx_impact (sum = change)
--   logo_churn_rate = customers churned in M ÷ paying customers at M−1
--   gross_revenue_churn_rate = −(churn + contraction) ÷ MRR at M−1
--   quick_ratio = (new + expansion + reactivation) ÷ −(churn + contraction)
--   nrr / grr (1 month and 12 months): MRR now from the customers paying at the start ÷
--     their MRR at the start; GRR caps each customer at their starting MRR. Both compare
--     reporting-currency MRR at the start month's rates (constant currency), so exchange
--     rate moves do not show up as retention.
-- Partitioned by month (macros/partitioned.sql): an incremental build recomputes the months
-- whose MRR rows, or those of the month before or twelve months before, or whose movements
-- changed (read from those facts' stored input hashes, one row per month).
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_partitions('month_start_date', revlake.revenue_kpi_partition_inputs()) }}",
    post_hook="{{ revlake.keep_partition_hashes(revlake.revenue_kpi_partition_inputs()) }}"
) }}
with mrr as (
  -- the months recomputed, the months before them and twelve months before them
  select * from {{ ref('fct_mrr') }}
  where {{ revlake.in_changed_partitions('month_start_date') }}
    or {{ revlake.in_changed_partitions(revlake.add_months('month_start_date', 1)) }}
    or {{ revlake.in_changed_partitions(revlake.add_months('month_start_date', 12)) }}
),

months as (
  select distinct month_start_date from mrr
  where {{ revlake.in_changed_partitions('month_start_date') }}
),

totals as (
  select
    month_start_date,
    sum(mrr_rc) as mrr_rc,
    sum(case when is_paying then 1 else 0 end) as paying_customers
  from mrr
  group by month_start_date
),

movements as (
  select
    month_start_date,
    sum(case when movement_type = 'new' then amount_rc else 0 end) as new_mrr_rc,
    sum(case when movement_type = 'expansion' then amount_rc else 0 end) as expansion_mrr_rc,
    sum(case when movement_type = 'contraction' then amount_rc else 0 end)
      as contraction_mrr_rc,
    sum(case when movement_type = 'churn' then amount_rc else 0 end) as churn_mrr_rc,
    sum(case when movement_type = 'reactivation' then amount_rc else 0 end)
      as reactivation_mrr_rc,
    sum(case when movement_type = 'fx_impact' then amount_rc else 0 end) as fx_impact_mrr_rc,
    sum(case when movement_type = 'new' then 1 else 0 end) as new_customers,
    sum(case when movement_type = 'churn' then 1 else 0 end) as churned_customers,
    sum(case when movement_type = 'reactivation' then 1 else 0 end) as reactivated_customers
  from {{ ref('fct_mrr_movements') }}
  where {{ revlake.in_changed_partitions('month_start_date') }}
  group by month_start_date
),

retention as (
  -- customers paying at the start month s, their MRR then and at s + 1 and s + 12 months,
  -- both converted at the start month's rate (constant currency)
  select
    s.month_start_date as start_month,
    h.horizon,
    sum(s.mrr_rc) as start_mrr_rc,
    sum(coalesce(
      {{ revlake.convert_money('e.mrr', 's.fx_rate_to_usd', 's.reporting_rate_to_usd') }},
      0)) as end_mrr_rc_cc,
    sum(least(
      coalesce(
        {{ revlake.convert_money('e.mrr', 's.fx_rate_to_usd', 's.reporting_rate_to_usd') }},
        0),
      s.mrr_rc)) as end_mrr_rc_capped
  from mrr as s
  cross join (select 1 as horizon union all select 12 as horizon) as h
  left join mrr as e
    on e.customer_key = s.customer_key
    and e.is_paying
    and e.currency = s.currency
    and e.month_start_date = {{ revlake.add_months('s.month_start_date', 'h.horizon') }}
  where s.is_paying
  group by s.month_start_date, h.horizon
)

select
  m.month_start_date,
  {{ revlake.fiscal_year('m.month_start_date') }} as fiscal_year,
  {{ revlake.fiscal_quarter('m.month_start_date') }} as fiscal_quarter,
  '{{ var("reporting_currency") | upper }}' as reporting_currency,
  cast(coalesce(t.mrr_rc, 0) as decimal(18, 2)) as mrr_rc,
  cast(12 * coalesce(t.mrr_rc, 0) as decimal(18, 2)) as arr_rc,
  coalesce(t.paying_customers, 0) as paying_customers,
  case when t.paying_customers > 0
    then cast(t.mrr_rc as double) / t.paying_customers end as arpa_rc,
  cast(coalesce(mv.new_mrr_rc, 0) as decimal(18, 2)) as new_mrr_rc,
  cast(coalesce(mv.expansion_mrr_rc, 0) as decimal(18, 2)) as expansion_mrr_rc,
  cast(coalesce(mv.contraction_mrr_rc, 0) as decimal(18, 2)) as contraction_mrr_rc,
  cast(coalesce(mv.churn_mrr_rc, 0) as decimal(18, 2)) as churn_mrr_rc,
  cast(coalesce(mv.reactivation_mrr_rc, 0) as decimal(18, 2)) as reactivation_mrr_rc,
  cast(coalesce(mv.fx_impact_mrr_rc, 0) as decimal(18, 2)) as fx_impact_mrr_rc,
  cast(coalesce(t.mrr_rc, 0) - coalesce(p.mrr_rc, 0) as decimal(18, 2)) as net_new_mrr_rc,
  coalesce(mv.new_customers, 0) as new_customers,
  coalesce(mv.churned_customers, 0) as churned_customers,
  coalesce(mv.reactivated_customers, 0) as reactivated_customers,
  case when p.paying_customers > 0
    then cast(coalesce(mv.churned_customers, 0) as double) / p.paying_customers
  end as logo_churn_rate,
  case when p.mrr_rc > 0
    then -cast(coalesce(mv.churn_mrr_rc, 0) + coalesce(mv.contraction_mrr_rc, 0) as double)
      / cast(p.mrr_rc as double)
  end as gross_revenue_churn_rate,
  case when coalesce(mv.churn_mrr_rc, 0) + coalesce(mv.contraction_mrr_rc, 0) < 0
    then cast(coalesce(mv.new_mrr_rc, 0) + coalesce(mv.expansion_mrr_rc, 0)
              + coalesce(mv.reactivation_mrr_rc, 0) as double)
      / -cast(coalesce(mv.churn_mrr_rc, 0) + coalesce(mv.contraction_mrr_rc, 0) as double)
  end as quick_ratio,
  case when r1.start_mrr_rc > 0
    then cast(r1.end_mrr_rc_cc as double) / cast(r1.start_mrr_rc as double) end as nrr_1m,
  case when r1.start_mrr_rc > 0
    then cast(r1.end_mrr_rc_capped as double) / cast(r1.start_mrr_rc as double) end as grr_1m,
  case when r12.start_mrr_rc > 0
    then cast(r12.end_mrr_rc_cc as double) / cast(r12.start_mrr_rc as double) end as nrr_12m,
  case when r12.start_mrr_rc > 0
    then cast(r12.end_mrr_rc_capped as double) / cast(r12.start_mrr_rc as double)
  end as grr_12m
from months as m
left join totals as t on t.month_start_date = m.month_start_date
left join totals as p
  on p.month_start_date = {{ revlake.add_months('m.month_start_date', -1) }}
left join movements as mv on mv.month_start_date = m.month_start_date
left join retention as r1
  on r1.horizon = 1
  and r1.start_month = {{ revlake.add_months('m.month_start_date', -1) }}
left join retention as r12
  on r12.horizon = 12
  and r12.start_month = {{ revlake.add_months('m.month_start_date', -12) }}
