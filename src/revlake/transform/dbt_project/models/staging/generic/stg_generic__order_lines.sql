-- Grain: one row per order line (source, order_id, line_number), from every layout mapped onto the data contract's
-- `order_lines` entity (generic_order_lines and the workspace's own layouts): fields typed by
-- the contract, invalid_reason naming missing required fields and values that fit
-- no format (flagged, never dropped). docs/DATA-CONTRACT.md.
{{ revlake.mapped_entity('order_lines') }}
