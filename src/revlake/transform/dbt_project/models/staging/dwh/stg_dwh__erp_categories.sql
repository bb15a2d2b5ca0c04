-- Grain: one row per ERP product category (category_id, e.g. `CO_RF`). Latest record wins.
-- Note: CRM products use `CO_PE` (pedals), absent here; this table has an unused `CO_PD`.
-- They are NOT mapped onto each other (nothing in the data says they are the same);
-- dim_product reports such products with has_category = false.
with src as (
  select *
  from {{ revlake.latest_record(revlake.bronze_table('dwh_erp_px_cat_g1v2', [
      'id', 'cat', 'subcat', 'maintenance', '_loaded_at', '_row_number']), 'id') }} as d
  where nullif(trim(id), '') is not null
)

select
  upper(trim(id)) as category_id,
  {{ revlake.clean_text('cat') }} as category,
  {{ revlake.clean_text('subcat') }} as subcategory,
  {{ revlake.to_bool('maintenance') }} as needs_maintenance
from src
