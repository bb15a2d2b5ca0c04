-- Grain: one row per contact (source, contact_id), from every layout mapped onto the data contract's
-- `contacts` entity (generic_contacts and the workspace's own layouts): fields typed by
-- the contract, invalid_reason naming missing required fields and values that fit
-- no format (flagged, never dropped). docs/DATA-CONTRACT.md.
{{ revlake.mapped_entity('contacts') }}
