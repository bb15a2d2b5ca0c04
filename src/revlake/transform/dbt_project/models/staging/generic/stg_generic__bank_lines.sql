-- Grain: one row per statement line (source, line_id), from every layout mapped onto the data contract's
-- `bank_lines` entity (generic_bank_lines and the workspace's own layouts): fields typed by
-- the contract, invalid_reason naming missing required fields and values that fit
-- no format (flagged, never dropped). docs/DATA-CONTRACT.md.
{{ revlake.mapped_entity('bank_lines') }}
