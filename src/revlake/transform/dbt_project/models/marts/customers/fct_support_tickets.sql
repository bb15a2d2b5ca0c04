-- Grain: one row per customer and month (customer_key, month_start_date) with support
-- tickets opened: how many, how many still open, high-priority ones, average days to
-- close and satisfaction, from the data contract's support_tickets (int_support_tickets,
-- valid rows). A churn-risk signal beside usage and billing.
select
  customer_key,
  max(source_system) as source_system,
  max(customer_id) as customer_id,
  {{ revlake.month_start('created_date') }} as month_start_date,
  count(*) as tickets_opened,
  sum(case when closed_date is null then 1 else 0 end) as tickets_open,
  sum(case when priority in ('high', 'urgent', 'critical') then 1 else 0 end)
    as high_priority_tickets,
  avg(cast(days_to_close as double)) as avg_days_to_close,
  avg(cast(satisfaction as double)) as avg_satisfaction
from {{ ref('int_support_tickets') }}
where is_valid
group by customer_key, {{ revlake.month_start('created_date') }}
