-- Grain: one row per bill (source, bill_id), from every layout mapped onto the data contract's
-- `vendor_bills` entity (generic_vendor_bills and the workspace's own layouts): fields typed by
-- the contract, invalid_reason naming missing required fields and values that fit
-- no format (flagged, never dropped). docs/DATA-CONTRACT.md.
{{ revlake.mapped_entity('vendor_bills') }}
