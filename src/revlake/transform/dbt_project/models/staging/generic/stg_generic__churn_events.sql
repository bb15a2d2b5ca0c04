-- Grain: one row per cancellation (source, customer_id, churn_date), from every layout mapped onto the data contract's
-- `churn_events` entity (generic_churn_events and the workspace's own layouts): fields typed by
-- the contract, invalid_reason naming missing required fields and values that fit
-- no format (flagged, never dropped). docs/DATA-CONTRACT.md.
{{ revlake.mapped_entity('churn_events') }}
