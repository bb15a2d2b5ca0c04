-- Grain: one row per MavenTech product (product_id = the product name as in products.csv).
-- product_match_key (lower case, spaces and dashes removed) is how pipeline rows find their
-- product: the pipeline spells `GTX Pro` as `GTXPro` (1,480 rows), which a naive join drops.
with src as (
  select *
  from {{ revlake.latest_record(revlake.bronze_table('maven_products', [
      'product', 'series', 'sales_price', '_loaded_at', '_row_number']), 'product') }} as d
  where nullif(trim(product), '') is not null
)

select
  trim(product) as product_id,
  trim(product) as product_name,
  lower(replace(replace(trim(product), ' ', ''), '-', '')) as product_match_key,
  {{ revlake.clean_text('series') }} as series,
  {{ revlake.to_money('sales_price') }} as list_price,
  'USD' as currency
from src
