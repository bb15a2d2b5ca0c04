-- Grain: one row per recorded cancellation (source_system, customer_id, churn_date) from
-- the data contract's churn_events (int_churn_events): who left, when, why and the MRR
-- lost as the source states it. Valid rows only; flagged ones are counted in
-- rpt_data_quality. (MRR churn itself is computed from subscriptions: fct_mrr_movements.)
select
  customer_key,
  source_system,
  customer_id,
  churn_date,
  {{ revlake.month_start('churn_date') }} as churn_month,
  reason,
  subscription_id,
  mrr_lost
from {{ ref('int_churn_events') }}
where is_valid
