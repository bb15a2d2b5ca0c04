-- Grain: one row per entity, source and reason (entity, source_system, reason): how many
-- records the models flag as invalid, with one example (its record id, or file and row),
-- for the data health page. From int_invalid_rows; nothing flagged is dropped silently.
select
  entity,
  source_system,
  reason,
  count(*) as invalid_rows,
  min(coalesce(record_id, concat(source_file, ':', cast(row_number as {{ dbt.type_string() }}))))
    as example
from {{ ref('int_invalid_rows') }}
group by entity, source_system, reason
