-- Grain: one row per product version (product_key = '<source_system>:<product id>'), from
-- the data contract's products entity (int_products: ERP product versions with their
-- categories, MavenTech products, Stripe products, products of files mapped onto the
-- contract).
select * from {{ ref('int_products') }}
