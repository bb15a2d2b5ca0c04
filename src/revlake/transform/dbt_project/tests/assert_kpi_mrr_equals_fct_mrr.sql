-- Reconciliation: kpi_revenue_monthly restates fct_mrr; its MRR and paying customers per
-- month must equal fct_mrr's, and its movement columns must sum to the MRR change.
with fct as (
  select
    month_start_date,
    sum(mrr_rc) as mrr_rc,
    sum(case when is_paying then 1 else 0 end) as paying_customers
  from {{ ref('fct_mrr') }}
  group by month_start_date
)

select k.month_start_date, k.mrr_rc, f.mrr_rc as fct_mrr_rc
from {{ ref('kpi_revenue_monthly') }} as k
left join fct as f on f.month_start_date = k.month_start_date
where k.mrr_rc <> coalesce(f.mrr_rc, 0)
  or k.paying_customers <> coalesce(f.paying_customers, 0)
  or k.net_new_mrr_rc <> k.new_mrr_rc + k.expansion_mrr_rc + k.contraction_mrr_rc
    + k.churn_mrr_rc + k.reactivation_mrr_rc + k.fx_impact_mrr_rc
