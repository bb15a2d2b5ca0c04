-- Grain: one row per support ticket (source_system, ticket_id): the data contract's
-- `support_tickets`; the latest record of a ticket wins. days_to_close: created → closed.
select
  source_system,
  ticket_id,
  customer_id,
  concat(source_system, ':', customer_id) as customer_key,
  created_date,
  closed_date,
  {{ dbt.datediff('created_date', 'closed_date', 'day') }} as days_to_close,
  lower(priority) as priority,
  lower(status) as status,
  satisfaction,
  invalid_reason,
  invalid_reason is null as is_valid
from (
  select
    g.*,
    row_number() over (
      partition by g.source_system, g.ticket_id
      order by g._loaded_at desc nulls last, g._row_number desc nulls last
    ) as recency_rank
  from {{ ref('stg_generic__support_tickets') }} as g
) as ranked
where recency_rank = 1 or ticket_id is null
