-- Grain: one row per subscription period (source, subscription_id, start_date), from every layout mapped onto the data contract's
-- `subscriptions` entity (generic_subscriptions and the workspace's own layouts): fields typed by
-- the contract, invalid_reason naming missing required fields and values that fit
-- no format (flagged, never dropped). docs/DATA-CONTRACT.md.
{{ revlake.mapped_entity('subscriptions') }}
