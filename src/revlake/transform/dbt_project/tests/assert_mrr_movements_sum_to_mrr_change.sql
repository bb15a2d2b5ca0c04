-- Reconciliation: for every month, the movements (new + expansion + contraction + churn +
-- reactivation + fx_impact) sum exactly to total mrr_rc of the month minus that of the
-- month before. Returns the months where they do not.
with totals as (
  select month_start_date, sum(mrr_rc) as mrr_rc
  from {{ ref('fct_mrr') }}
  group by month_start_date
),

moves as (
  select month_start_date, sum(amount_rc) as movement_rc
  from {{ ref('fct_mrr_movements') }}
  group by month_start_date
),

compared as (
  select
    t.month_start_date,
    t.mrr_rc - coalesce(p.mrr_rc, 0) as mrr_change_rc,
    coalesce(m.movement_rc, 0) as movement_rc
  from totals as t
  left join totals as p
    on p.month_start_date = {{ revlake.add_months('t.month_start_date', -1) }}
  left join moves as m on m.month_start_date = t.month_start_date
)

select * from compared where mrr_change_rc <> movement_rc
