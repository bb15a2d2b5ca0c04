-- Grain: one row per cancellation (source_system, customer_id, churn_date): the data
-- contract's `churn_events` (a CRM's or billing system's cancellation log, files mapped
-- onto the contract). A repeated record of the same cancellation keeps the latest.
select
  source_system,
  customer_id,
  concat(source_system, ':', customer_id) as customer_key,
  churn_date,
  reason,
  subscription_id,
  cast(mrr_lost as decimal(18, 2)) as mrr_lost,
  invalid_reason,
  invalid_reason is null as is_valid
from (
  select
    g.*,
    row_number() over (
      partition by g.source_system, g.customer_id, g.churn_date
      order by g._loaded_at desc nulls last, g._row_number desc nulls last
    ) as recency_rank
  from {{ ref('stg_generic__churn_events') }} as g
) as ranked
where recency_rank = 1 or customer_id is null or churn_date is null
