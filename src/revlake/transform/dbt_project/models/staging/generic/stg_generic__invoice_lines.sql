-- Grain: one row per invoice line (source, line_id), from every layout mapped onto the data contract's
-- `invoice_lines` entity (generic_invoice_lines and the workspace's own layouts): fields typed by
-- the contract, invalid_reason naming missing required fields and values that fit
-- no format (flagged, never dropped). docs/DATA-CONTRACT.md.
{{ revlake.mapped_entity('invoice_lines') }}
