-- Grain: one row per payment of a vendor bill (source, payment_id), from every layout mapped onto the data contract's
-- `bill_payments` entity (generic_bill_payments and the workspace's own layouts): fields typed by
-- the contract, invalid_reason naming missing required fields and values that fit
-- no format (flagged, never dropped). docs/DATA-CONTRACT.md.
{{ revlake.mapped_entity('bill_payments') }}
