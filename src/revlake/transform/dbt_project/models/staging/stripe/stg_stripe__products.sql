-- Grain: one row per Stripe product (product_id). Latest record per id wins.
with src as (
  select *
  from {{ revlake.latest_record(revlake.bronze_table('stripe_products', [
      'id', 'name', 'description', 'active', 'created_utc', '_loaded_at', '_row_number']), 'id') }} as d
)

select
  {{ revlake.clean_text('id') }} as product_id,
  {{ revlake.clean_text('name') }} as product_name,
  {{ revlake.clean_text('description') }} as description,
  coalesce({{ revlake.to_bool('active') }}, true) as is_active,
  {{ revlake.to_timestamp('created_utc') }} as created_at
from src
where {{ revlake.clean_text('id') }} is not null
