-- Grain: one row per stage change (source, opportunity_id, changed_at), from every layout mapped onto the data contract's
-- `opportunity_stage_history` entity (generic_opportunity_stage_history and the workspace's own layouts): fields typed by
-- the contract, invalid_reason naming missing required fields and values that fit
-- no format (flagged, never dropped). docs/DATA-CONTRACT.md.
{{ revlake.mapped_entity('opportunity_stage_history') }}
