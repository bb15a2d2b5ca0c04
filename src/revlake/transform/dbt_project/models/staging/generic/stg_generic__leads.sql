-- Grain: one row per lead (source, lead_id), from every layout mapped onto the data contract's
-- `leads` entity (generic_leads and the workspace's own layouts): fields typed by
-- the contract, invalid_reason naming missing required fields and values that fit
-- no format (flagged, never dropped). docs/DATA-CONTRACT.md.
{{ revlake.mapped_entity('leads') }}
