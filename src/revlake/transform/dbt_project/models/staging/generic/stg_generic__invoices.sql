-- Grain: one row per invoice (source, invoice_id), from every layout mapped onto the data contract's
-- `invoices` entity (generic_invoices and the workspace's own layouts): fields typed by
-- the contract, invalid_reason naming missing required fields and values that fit
-- no format (flagged, never dropped). docs/DATA-CONTRACT.md.
{{ revlake.mapped_entity('invoices') }}
