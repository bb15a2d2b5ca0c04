-- Grain: one row per ticket (source, ticket_id), from every layout mapped onto the data contract's
-- `support_tickets` entity (generic_support_tickets and the workspace's own layouts): fields typed by
-- the contract, invalid_reason naming missing required fields and values that fit
-- no format (flagged, never dropped). docs/DATA-CONTRACT.md.
{{ revlake.mapped_entity('support_tickets') }}
