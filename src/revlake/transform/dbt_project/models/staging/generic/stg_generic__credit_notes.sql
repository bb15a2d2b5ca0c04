-- Grain: one row per credit note (source, credit_note_id), from every layout mapped onto the data contract's
-- `credit_notes` entity (generic_credit_notes and the workspace's own layouts): fields typed by
-- the contract, invalid_reason naming missing required fields and values that fit
-- no format (flagged, never dropped). docs/DATA-CONTRACT.md.
{{ revlake.mapped_entity('credit_notes') }}
