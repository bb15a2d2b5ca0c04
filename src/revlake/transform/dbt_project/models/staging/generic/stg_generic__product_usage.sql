-- Grain: one row per customer and month (source, customer_id, month), from every layout mapped onto the data contract's
-- `product_usage` entity (generic_product_usage and the workspace's own layouts): fields typed by
-- the contract, invalid_reason naming missing required fields and values that fit
-- no format (flagged, never dropped). docs/DATA-CONTRACT.md.
{{ revlake.mapped_entity('product_usage') }}
